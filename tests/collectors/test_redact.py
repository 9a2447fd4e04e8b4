"""redact() also finds a secret in the forms it takes in error messages (issue #14): escaped as in
a repr or in JSON, URL-encoded, and inside base64 such as a basic-auth header."""

import base64
import json
import urllib.parse

import pytest

from collectors.tasks import MASK, redact

SECRET = 'p@ss\\w"o\'rd/ü'


@pytest.mark.parametrize("form", [
    SECRET,
    repr(SECRET),
    repr(SECRET.encode()),  # bytes repr: \xc3\xbc
    json.dumps(SECRET),
    json.dumps({"password": SECRET}),
    urllib.parse.quote(SECRET, safe=""),
    urllib.parse.quote_plus(SECRET),
    "Authorization: Basic " + base64.b64encode(f"admin:{SECRET}".encode()).decode(),
    "token=" + base64.urlsafe_b64encode(f"x{SECRET}y".encode()).decode().rstrip("="),
])
def test_every_form_of_the_secret_is_masked(form):
    message = f"login failed: {form} (retrying)"
    redacted = redact(message, {SECRET})
    assert MASK in redacted
    assert redacted.startswith("login failed: ") and redacted.endswith(" (retrying)")
    for piece in ("p@ss", "ss\\\\w", "p%40ss", "rd/"):
        assert piece not in redacted, (form, redacted)
    decoded = [base64.b64decode(w + "=" * (-len(w) % 4), validate=False)
               for w in redacted.split() if w.isalnum() and len(w) > 8]
    assert not any(b"p@ss" in d for d in decoded)


def test_ordinary_words_and_other_base64_stay():
    other = base64.b64encode(b"admin:another-password").decode()
    message = f"Authentication failed for user admin, header {other}"
    assert redact(message, {"s3cret-pw"}) == message
