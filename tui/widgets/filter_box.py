"""The filter box: Textual's ``Input`` without a layout pass of the whole screen per keystroke."""

from __future__ import annotations

from textual.geometry import Size
from textual.widgets import Input


class FilterBox(Input):
    """An ``Input`` of a fixed size (as the tasks screen's filter bar gives it).

    ``Input`` sets its virtual size to the text's width on every change, and that reactive lays out
    the whole screen (~20 ms at 120x40 with a big table on it), while a keystroke here only changes
    this one line. The box's size never follows its text, so the new virtual size is set quietly (the
    cursor still scrolls by it) and only the box is repainted."""

    def _watch_value(self, value: str) -> None:
        if self.styles.auto_dimensions:  # sized by its text after all: lay out as Input does
            super()._watch_value(value)
            return
        self.set_reactive(Input.virtual_size, Size(self.content_width, 1))
        self._suggestion = ""
        if self.suggester and value:
            self.run_worker(self.suggester._get_suggestion(self, value))
        self.refresh()
        result = self.validate(value) if "changed" in self.validate_on else None
        self.post_message(self.Changed(self, value, result))
