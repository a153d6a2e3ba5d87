"""Jobs dock: the running job and the queue, with progress and a Cancel for the selected one."""

from __future__ import annotations

from PySide6.QtWidgets import QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget

from muralstudio.gui.messages import translate_message
from muralstudio.gui.jobs import Job, JobRunner


class JobsList(QWidget):
    def __init__(self, runner: JobRunner, parent=None):
        super().__init__(parent)
        self.runner = runner
        self.list = QListWidget()
        self.cancel = QPushButton(self.tr("Cancel job"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.list)
        layout.addWidget(self.cancel)
        self.cancel.clicked.connect(self._cancel_selected)
        runner.queue_changed.connect(self.refresh)
        runner.job_progress.connect(lambda job: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        selected = self.selected_job()
        self.list.clear()
        states = {"running": self.tr("running"), "queued": self.tr("queued")}
        for job in self.runner.jobs():
            text = f"{job.name} — {states.get(job.state, job.state)}"
            if job.state == "running":
                text += f" {int(job.fraction * 100)} % {translate_message(job.stage)}"
            item = QListWidgetItem(text)
            item.setData(256, job.uid)
            self.list.addItem(item)
            if selected is job:
                self.list.setCurrentItem(item)
        self.cancel.setEnabled(bool(self.runner.jobs()))

    def selected_job(self) -> Job | None:
        item = self.list.currentItem()
        if item is None:
            return None
        return next((job for job in self.runner.jobs() if job.uid == item.data(256)), None)

    def _cancel_selected(self) -> None:
        self.runner.cancel(self.selected_job() or self.runner.current)
