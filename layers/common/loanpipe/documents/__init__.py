"""Documents: sniffing, classification, preprocessing, OCR and field extraction."""
