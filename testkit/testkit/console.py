"""The back-office console (``console/``) driven in a browser page as a reviewer drives it: the page object
the browser tests and the keyboard benchmark share. It speaks Playwright's sync API (the caller brings the
page) and finds things by the console's element ids, so a test reads as what a reviewer sees and types.

Chromium is Debian's (``/usr/bin/chromium``): Playwright's own browser download is not reachable here.
"""

from __future__ import annotations

from typing import Any

CHROMIUM = "/usr/bin/chromium"
WAIT_MS = 30_000


def launch_chromium(playwright: Any) -> Any:
    """One headless Chromium (the caller closes it)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                      args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"])


class ConsolePage:
    def __init__(self, page: Any, console_url: str):
        self.page = page
        self.url = console_url
        page.set_default_timeout(WAIT_MS)

    # ---------------------------------------------------------------- signing in
    def sign_in(self, user: str, password: str) -> None:
        """Types the user name and password into the sign-in form and waits for the first page."""
        self.page.goto(self.url)
        self.page.fill("#username", user)
        self.page.fill("#password", password)
        self.page.press("#password", "Enter")
        self.page.wait_for_selector("#queue, #queue-empty, #queue-error, #not-staff")

    def api_status(self, method: str, path: str, body: dict | None = None) -> tuple[int, str | None]:
        """Calls the API with the signed-in user's own token, as the console would: (status, error code)."""
        return tuple(self.page.evaluate(
            """async ([method, path, body]) => {
                 const config = await (await fetch('config.json')).json();
                 const token = JSON.parse(sessionStorage.getItem('console.session')).accessToken;
                 const answer = await fetch(config.api_url + path, {method, body: body ? JSON.stringify(body) : null,
                   headers: {authorization: `Bearer ${token}`, 'content-type': 'application/json'}});
                 const data = await answer.json().catch(() => ({}));
                 return [answer.status, data.error ?? null];
               }""", [method, path, body]))

    # ---------------------------------------------------------------- the queue
    def show_queue(self) -> None:
        self.page.goto(self.url + "#/queue")
        self.wait_queue()

    def wait_queue(self) -> None:
        self.page.wait_for_selector("#queue, #queue-empty")

    def queue_ids(self) -> list[str]:
        return self.page.eval_on_selector_all("#queue tr.item", "rows => rows.map(r => r.dataset.id)")

    def selected_id(self) -> str | None:
        return self.page.eval_on_selector_all("#queue tr.item.selected", "rows => rows.map(r => r.dataset.id)")[0]

    def wait_gone(self, application_id: str) -> None:
        """Until the queue is drawn without the application."""
        self.page.wait_for_function(
            """id => location.hash.startsWith('#/queue') &&
                     (document.querySelector('#queue-empty') ||
                      (document.querySelector('#queue') && !document.querySelector(`#queue tr[data-id="${id}"]`)))""",
            arg=application_id)

    def select_with_keys(self, application_id: str) -> int:
        """Presses j (or k) until the application's row is selected; returns the keys pressed."""
        ids = self.queue_ids()
        target = ids.index(application_id)
        current = ids.index(self.selected_id())
        key = "j" if target > current else "k"
        for _ in range(abs(target - current)):
            self.page.keyboard.press(key)
        self.page.wait_for_selector(f'#queue tr.item.selected[data-id="{application_id}"]')
        return abs(target - current)

    def stat(self, name: str) -> str:
        return self.page.inner_text(f"#stat-{name} b")

    # ---------------------------------------------------------------- the item page
    def open_item(self, application_id: str) -> None:
        self.page.goto(f"{self.url}#/item/{application_id}")
        self.wait_item()

    def wait_item(self) -> None:
        self.page.wait_for_selector("#summary")
        self.page.wait_for_function("() => [...document.querySelectorAll('.frame img.page')].every(i => i.complete)")

    def wait_claimed(self) -> None:
        self.page.wait_for_selector("#claim-state.mine")

    def confirm_dialog(self, note: str, value: str | None = None, message: str | None = None) -> None:
        """Types into the open dialog (the value first, then the note) and confirms with Ctrl+Enter."""
        self.page.wait_for_selector("dialog#action[open]")
        keyboard = self.page.keyboard
        if value is not None:  # the value input has the focus
            keyboard.press("Control+a")
            keyboard.type(value)
            self.page.focus("#action-note")
        if message is not None:
            self.page.fill("#retake-message", message)
            self.page.focus("#action-note")
        keyboard.type(note)
        keyboard.press("Control+Enter")
        self.page.wait_for_function("() => !document.querySelector('dialog#action[open]')")

    def toast(self) -> str:
        return self.page.inner_text("#toast")

    def boxes(self, document_id: str) -> list[dict]:
        """The field boxes drawn on a document's picture, with their places in pixels and the picture's."""
        return self.page.eval_on_selector_all(
            f'section.document[data-doc="{document_id}"] .frame .field-box',
            """boxes => boxes.map(b => {
                 const frame = b.parentElement.querySelector('img.page').getBoundingClientRect();
                 const r = b.getBoundingClientRect();
                 return {field: b.dataset.field, cls: b.className, x: r.x - frame.x, y: r.y - frame.y,
                         w: r.width, h: r.height, fw: frame.width, fh: frame.height};
               })""")
