"""What every stage of a dataset job is: one protocol, run by ``pipeline.job.run_job``."""

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class StageContext:
    """What a stage gets: the job's settings, its folder, its progress, a log and the stats so far."""
    cfg: object  # pipeline.job.JobConfig
    folder: object  # pipeline.job_folder.JobFolder
    progress: object  # pipeline.progress.Progress
    log: object = print
    stats: dict = field(default_factory=dict)  # the job's stats.json, earlier stages included


class Stage:
    """A stage reads some files of the job folder and writes others (``JobFolder`` attribute
    names); it resumes from its done ids and returns its stats (``in``, ``out``, ``reasons`` and
    its own keys), which ``summary`` turns into the rows the CLI and the panel show."""

    name = None
    reads = ()
    writes = ()

    def skip_reason(self, ctx):
        """Why this stage cannot run now (said to the user), or None."""
        return None

    def done_ids(self, folder):
        """Ids the stage has already finished (a rerun skips them); stages that rebuild their
        whole output have none."""
        return set()

    def run(self, ctx):
        raise NotImplementedError

    def summary(self, stats):
        """(label, count) rows: in, out, then each reason, most frequent first."""
        rows = [('in', stats.get('in', 0)), ('out', stats.get('out', 0))]
        rows += reason_rows(stats.get('reasons', {}))
        return rows + self.extra_rows(stats)

    def extra_rows(self, stats):
        return []


def reason_rows(counts, prefix='', names=None):
    """Counts as rows, most frequent first (ties by name), zeros left out."""
    names = names or {}
    ordered = sorted(Counter(counts).items(), key=lambda kv: (-kv[1], kv[0]))
    return [(prefix + names.get(k, k), n) for k, n in ordered if n]
