"""Settings widgets built from an engine's schema (``engines.settings``): a spin box for
numbers, a check box for yes/no, a list for choices, a line for text. No dock writes widgets
for one engine's settings by hand."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QSpinBox, QWidget


def translated_label(setting) -> str:
    """The setting's label in the window's language (the engine modules' labels are listed in
    tools/zh_CN.py under the context "EngineSetting")."""
    return QCoreApplication.translate("EngineSetting", setting.label or setting.name.replace("_", " "))


class SettingsForm(QWidget):
    """The settings of one engine; :meth:`values` gives them as the engine takes them."""

    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.layout_ = QFormLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.schema = ()
        self.widgets: dict[str, QWidget] = {}

    def set_schema(self, schema) -> None:
        while self.layout_.rowCount():
            self.layout_.removeRow(0)
        self.schema, self.widgets = tuple(schema), {}
        for setting in self.schema:
            widget = self._widget(setting)
            if widget is None:
                continue  # paths and texts stay on the command line (weights files, …)
            widget.setToolTip(QCoreApplication.translate("EngineSetting", setting.help) if setting.help else "")
            self.widgets[setting.name] = widget
            self.layout_.addRow(translated_label(setting), widget)
        self.setVisible(bool(self.widgets))
        self.updateGeometry()  # the rows changed after the dock was laid out

    def _widget(self, setting):
        if setting.type == "bool":
            widget = QCheckBox()
            widget.setChecked(bool(setting.default))
            widget.toggled.connect(self.changed)
        elif setting.type == "choice":
            widget = QComboBox()
            for choice in setting.choices:
                widget.addItem(str(choice), choice)
            widget.setCurrentIndex(max(0, widget.findData(setting.default)))
            widget.currentIndexChanged.connect(self.changed)
        elif setting.type in ("int", "float") and setting.default is not None:
            widget = QSpinBox() if setting.type == "int" else QDoubleSpinBox()
            low = setting.minimum if setting.minimum is not None else -1e9
            high = setting.maximum if setting.maximum is not None else 1e9
            if setting.type == "int":
                widget.setRange(int(max(low, -2**31)), int(min(high, 2**31 - 1)))
            else:
                widget.setDecimals(3)
                widget.setRange(low, high)
                widget.setSingleStep(max(0.001, (high - low) / 100) if high - low < 1e6 else 0.1)
            widget.setValue(setting.default)
            widget.valueChanged.connect(self.changed)
        else:
            return None
        return widget

    def set_values(self, values: dict) -> None:
        """Show ``values`` (a record's settings); names this form does not have are left out."""
        for name, value in values.items():
            widget = self.widgets.get(name)
            if isinstance(widget, QCheckBox):
                widget.setChecked(bool(value))
            elif isinstance(widget, QComboBox) and widget.findData(value) >= 0:
                widget.setCurrentIndex(widget.findData(value))
            elif isinstance(widget, (QSpinBox, QDoubleSpinBox)) and isinstance(value, (int, float)):
                widget.setValue(value)

    def values(self) -> dict:
        out = {}
        for setting in self.schema:
            widget = self.widgets.get(setting.name)
            if isinstance(widget, QCheckBox):
                out[setting.name] = widget.isChecked()
            elif isinstance(widget, QComboBox):
                out[setting.name] = widget.currentData()
            elif isinstance(widget, (QSpinBox, QDoubleSpinBox)):
                out[setting.name] = widget.value()
        return out
