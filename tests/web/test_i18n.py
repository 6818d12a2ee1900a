"""UI language: German by default, English on request; the German catalogue covers every UI text."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
# Library modules whose texts are marked with N_ and translated where the web shows them (see babel.cfg).
MARKED = (ROOT / "scheduler" / "checker.py", ROOT / "scheduler" / "messages.py")
CATALOGUE = WEB / "translations" / "de" / "LC_MESSAGES"


def test_login_page_is_german_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert "<h1>Anmelden</h1>" in page and 'lang="de"' in page


def test_english_when_the_browser_prefers_it(client):
    page = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.8"}).get_data(as_text=True)
    assert "<h1>Log in</h1>" in page


def test_chosen_language_wins_over_the_browser(client):
    response = client.get("/lang/en?next=/login", headers={"Accept-Language": "de"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "<h1>Log in</h1>" in client.get("/login", headers={"Accept-Language": "de"}).get_data(as_text=True)


def test_language_switch_does_not_redirect_off_site(client):
    assert client.get("/lang/de?next=https://evil.example/").headers["Location"] == "/"


def _ui_texts() -> set[str]:
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {"_": None, "_l": None, "gettext": None, "ngettext": (1, 2)}
    texts = set()
    for _file, _line, message, _comments, _context in extract_from_dir(str(WEB), method_map, keywords=keywords):
        texts.add(message[0] if isinstance(message, tuple) else message)
    return texts


def _marked_texts() -> set[str]:
    return {message for path in MARKED
            for _line, message, _comments, _context in extract_from_file("python", path, keywords={"N_": None})}


def _translated() -> set[str]:
    with open(CATALOGUE / "messages.po", "rb") as handle:
        catalogue = read_po(handle, locale="de")
    return {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalogue if m.id and m.string and not m.fuzzy}


def test_every_ui_text_has_a_german_translation():
    missing = _ui_texts() - _translated()
    assert not missing, f"untranslated UI texts (run `make translations` and translate): {sorted(missing)}"


def test_every_checker_message_has_a_german_translation():
    marked = _marked_texts()
    assert len(marked) > 40  # the extraction finds the checker's templates at all
    missing = marked - _translated()
    assert not missing, f"untranslated checker messages (run `make translations` and translate): {sorted(missing)}"


def test_compiled_catalogue_matches_the_po_file():
    with open(CATALOGUE / "messages.po", "rb") as handle:
        source = {_key(m.id): _key(m.string) for m in read_po(handle, locale="de") if m.id}
    with open(CATALOGUE / "messages.mo", "rb") as handle:
        compiled = {_key(m.id): _key(m.string) for m in read_mo(handle) if m.id}
    assert compiled == source, "messages.mo is stale: run `make translations`"


def _key(value):
    return tuple(value) if isinstance(value, list | tuple) else value
