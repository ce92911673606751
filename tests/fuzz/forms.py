"""Read the forms of a hosted page as a browser would: where each posts and what it sends.

The hosted-form fuzzing fills these with hostile values while keeping what a real browser
keeps (the CSRF token, the hidden request id), so the fuzzed values reach the views' own
checks instead of stopping at the CSRF guard.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Field:
    name: str
    kind: str  # text, password, hidden, checkbox, select, submit, textarea, date, email...
    value: str = ""
    options: list[str] = field(default_factory=list)


@dataclass
class Form:
    action: str
    method: str
    fields: list[Field] = field(default_factory=list)

    def defaults(self) -> list[tuple[str, str]]:
        """What the browser would send untouched (checked boxes only, first button)."""
        sent = [(f.name, f.value) for f in self.fields if f.kind not in ("submit", "checkbox")]
        buttons = [f for f in self.fields if f.kind == "submit"]
        return sent + [(b.name, b.value) for b in buttons[:1]]


class _Reader(HTMLParser):
    def __init__(self, page_path: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_path = page_path
        self.forms: list[Form] = []
        self._select: Field | None = None
        self._textarea: Field | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            action = attributes.get("action") or self.page_path
            self.forms.append(Form(action, attributes.get("method", "get").lower()))
            return
        if not self.forms or "name" not in attributes:
            if tag == "option" and self._select is not None:
                self._select.options.append(attributes.get("value", ""))
            return
        fields = self.forms[-1].fields
        if tag in ("input", "button"):
            kind = attributes.get("type", "text" if tag == "input" else "submit")
            fields.append(Field(attributes["name"], kind, attributes.get("value", "")))
        elif tag == "select":
            self._select = Field(attributes["name"], "select")
            fields.append(self._select)
        elif tag == "textarea":
            self._textarea = Field(attributes["name"], "textarea")
            fields.append(self._textarea)

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select is not None:
            self._select.value = self._select.options[0] if self._select.options else ""
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data


def forms_of(html: str, page_path: str) -> list[Form]:
    """The page's POST forms (GET forms are searches: the query fuzzing covers them)."""
    reader = _Reader(page_path)
    reader.feed(html)
    return [form for form in reader.forms if form.method == "post"]
