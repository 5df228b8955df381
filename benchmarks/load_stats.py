"""The arithmetic of the load test (benchmarks/load_test.py), kept apart from Locust and gevent so
that it can be tested without starting anything: request samples to latencies and rates, CPU time
per process tree read from /proc, which process ran out of CPU first, and the capacity verdict.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from realtime_latency import percentile

# ----- requests -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """One request as Locust reported it: what it was, when it started (epoch seconds), how long it
    took, and why it failed (None when it got the 2xx it expected)."""

    name: str
    started: float
    ms: float
    error: str | None = None


def summarise(samples: Iterable[Sample], *, start: float, end: float) -> dict[str, dict]:
    """Per request name: count, rate, p50/p95/p99 and errors of the requests started in [start, end).

    Requests before ``start`` (the ramp-up and warm-up) and after ``end`` are left out, so every
    number describes the steady part of the run.
    """
    seconds = max(end - start, 1e-9)
    by_name: dict[str, list[Sample]] = {}
    for sample in samples:
        if start <= sample.started < end:
            by_name.setdefault(sample.name, []).append(sample)
    out: dict[str, dict] = {}
    for name, rows in sorted(by_name.items()):
        good = [row.ms for row in rows if row.error is None]
        errors: dict[str, int] = {}
        for row in rows:
            if row.error is not None:
                errors[row.error] = errors.get(row.error, 0) + 1
        out[name] = {
            "count": len(rows),
            "per_s": round(len(good) / seconds, 2),
            "p50_ms": round(percentile(good, 50), 1),
            "p95_ms": round(percentile(good, 95), 1),
            "p99_ms": round(percentile(good, 99), 1),
            "max_ms": round(max(good), 1) if good else float("nan"),
            "errors": sum(errors.values()),
            "error_kinds": dict(sorted(errors.items(), key=lambda kv: -kv[1])[:5]),
        }
    return out


# ----- pages --------------------------------------------------------------------------------------


@dataclass
class QuestionForm:
    """What a learner needs from a question fragment to answer it."""

    action: str
    hidden: dict[str, str] = field(default_factory=dict)
    options: list[str] = field(default_factory=list)
    option_type: str = ""  # radio, checkbox or "" for a typed answer


class _QuestionParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.form: QuestionForm | None = None
        self.in_answer_form = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        if tag == "form" and re.search(r"/questions/\d+/answer/$", values.get("action", "")):
            self.form, self.in_answer_form = QuestionForm(action=values["action"]), True
        elif tag == "input" and self.in_answer_form and self.form is not None:
            kind, name = values.get("type", "text"), values.get("name", "")
            if kind == "hidden" and name:
                self.form.hidden[name] = values.get("value", "")
            elif name == "answer" and kind in ("radio", "checkbox"):
                self.form.options.append(values.get("value", ""))
                self.form.option_type = kind

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.in_answer_form = False


def question_form(html: str) -> QuestionForm | None:
    """The answer form of a quiz page or fragment (None when it shows no question)."""
    parser = _QuestionParser()
    parser.feed(html)
    return parser.form


CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


# ----- CPU per process tree -----------------------------------------------------------------------


@dataclass(frozen=True)
class Proc:
    """One process as /proc shows it: CPU seconds it used (user + system) and those of its children
    that ended and that it waited for (so a tree keeps the time of a worker that was replaced)."""

    pid: int
    ppid: int
    name: str
    cmdline: str
    cpu_s: float
    reaped_children_cpu_s: float


def parse_stat(text: str, cmdline: str = "", ticks_per_s: int = 100) -> Proc:
    """A Proc from the text of /proc/<pid>/stat (the name may hold spaces and parentheses)."""
    name = text[text.index("(") + 1 : text.rindex(")")]
    fields = text[text.rindex(")") + 2 :].split()
    # fields[0] is field 3 of proc(5): state, ppid, …, utime (14), stime (15), cutime (16), cstime (17)
    return Proc(pid=int(text.split(" ", 1)[0]), ppid=int(fields[1]), name=name, cmdline=cmdline,
                cpu_s=(int(fields[11]) + int(fields[12])) / ticks_per_s,
                reaped_children_cpu_s=(int(fields[13]) + int(fields[14])) / ticks_per_s)


def read_processes(proc: Path = Path("/proc")) -> dict[int, Proc]:
    """Every process on the machine that can be read now (one that ends while being read is skipped)."""
    ticks = os.sysconf("SC_CLK_TCK")
    out: dict[int, Proc] = {}
    for entry in proc.glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        process = parse_stat(stat, cmdline, ticks)
        out[process.pid] = process
    return out


@dataclass(frozen=True)
class Role:
    """A part of the system whose CPU time is counted: the process trees under ``roots`` (processes
    this script started) and every process for which ``match`` is true (PostgreSQL's backends for
    this run's database, the Redis server), each with its descendants."""

    name: str
    roots: frozenset[int] = frozenset()
    match: Callable[[Proc], bool] | None = None
    cores: float = 1.0  # the most CPU it can use: one per Python process (the GIL), capped by the machine
    descend: bool = True  # False: these processes alone, not the ones they started


def members(processes: dict[int, Proc], role: Role) -> set[int]:
    chosen = {pid for pid in role.roots if pid in processes}
    if role.match is not None:
        chosen |= {pid for pid, process in processes.items() if role.match(process)}
    if not role.descend:
        return chosen
    children: dict[int, list[int]] = {}
    for process in processes.values():
        children.setdefault(process.ppid, []).append(process.pid)
    todo = list(chosen)
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in chosen:
                chosen.add(child)
                todo.append(child)
    return chosen


def cpu_by_role(processes: dict[int, Proc], roles: Iterable[Role]) -> dict[str, float]:
    """CPU seconds used so far by each role's processes (and by the children they have reaped)."""
    return {role.name: sum(processes[pid].cpu_s + processes[pid].reaped_children_cpu_s
                           for pid in members(processes, role)) for role in roles}


class CpuMeter:
    """Adds up each role's CPU over a window from repeated looks at /proc, process by process, so
    that processes that start or end inside the window count too (a PostgreSQL backend is replaced
    when its connection expires): a process first seen after the window opened counts in full, and
    one that ends loses only what it used since the last look."""

    def __init__(self, roles: Iterable[Role]) -> None:
        self.roles = list(roles)
        self.last: dict[tuple[str, int], float] = {}
        self.used = {role.name: 0.0 for role in self.roles}
        self.started = False

    def observe(self, processes: dict[int, Proc]) -> None:
        for role in self.roles:
            for pid in members(processes, role):
                value = processes[pid].cpu_s + processes[pid].reaped_children_cpu_s
                previous = self.last.get((role.name, pid))
                if previous is not None:
                    self.used[role.name] += max(0.0, value - previous)
                elif self.started:
                    self.used[role.name] += value
                self.last[(role.name, pid)] = value
        self.started = True


def machine_busy(stat_text: str) -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs from the first line of /proc/stat."""
    values = [int(v) for v in stat_text.splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    total = sum(values[:8])  # guest time is already counted in user
    return float(total - idle), float(total)


def cpu_report(used_s: dict[str, float], *, answers: int, elapsed_s: float, roles: Iterable[Role]) -> dict[str, dict]:
    """Per role: CPU ms per answer, and how much of the CPU it could use it did use (utilisation)."""
    out: dict[str, dict] = {}
    for role in roles:
        used = used_s.get(role.name, 0.0)
        out[role.name] = {
            "cpu_s": round(used, 2),
            "ms_per_answer": round(used / answers * 1000, 2) if answers else float("nan"),
            "utilisation": round(used / max(elapsed_s, 1e-9) / role.cores, 3),
        }
    return out


def saturated_first(cpu: dict[str, dict], *, machine_utilisation: float, ignore: Iterable[str] = ()) -> str:
    """Which part ran out of CPU first, in words: the role nearest its own ceiling, and whether the
    machine as a whole was the limit (then the biggest consumer is the one to make cheaper)."""
    skip = set(ignore)
    ranked = sorted(((v["utilisation"], k) for k, v in cpu.items() if k not in skip), reverse=True)
    if not ranked:
        return "no process measured"
    top_use, top = ranked[0]
    if machine_utilisation >= 0.9:
        biggest = max((v["cpu_s"], k) for k, v in cpu.items() if k not in skip)[1]
        return (f"the machine's CPU ({machine_utilisation:.0%} busy); the biggest user is {biggest}, "
                f"and {top} is at {top_use:.0%} of what it can use")
    if top_use >= 0.8:
        return f"{top} ({top_use:.0%} of what it can use)"
    return f"none (busiest: {top} at {top_use:.0%} of what it can use; machine {machine_utilisation:.0%} busy)"


# ----- verdict and table --------------------------------------------------------------------------


def holds(step: dict, *, p95_target_ms: float) -> bool:
    answer = step["requests"].get("answer")
    return bool(answer) and step["errors"] == 0 and answer["p95_ms"] <= p95_target_ms


def capacity(steps: list[dict], *, p95_target_ms: float) -> int | None:
    """The most concurrent learners held with answer p95 within the target and no error, counting
    only steps that have every smaller step holding too (a pass after a failure is noise)."""
    best = None
    for step in sorted(steps, key=lambda s: s["learners"]):
        if not holds(step, p95_target_ms=p95_target_ms):
            break
        best = step["learners"]
    return best


def _cell(summary: dict | None, key: str) -> str:
    if not summary:
        return "–"
    value = summary[key]
    return "–" if value != value else f"{value:g}"  # NaN: nothing to show


def table(steps: list[dict], *, p95_target_ms: float) -> str:
    """The results as a Markdown table, one row per step."""
    roles = list(dict.fromkeys(name for step in steps for name in step["cpu"]))
    head = ["learners", "managers", "answers/s", "answer p50 ms", "answer p95 ms", "answer p99 ms",
            "next question p95 ms", "start quiz p95 ms", "errors", *[f"{r} CPU ms/answer" for r in roles],
            "saturated first", f"holds (p95 ≤ {p95_target_ms:g} ms, 0 errors)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---:|" * (len(head) - 2) + "---|---|"]
    for step in steps:
        answer, nxt = step["requests"].get("answer"), step["requests"].get("next question")
        start = step["spike"].get("start quiz")
        row = [str(step["learners"]), str(step["managers"]), _cell(answer, "per_s"), _cell(answer, "p50_ms"),
               _cell(answer, "p95_ms"), _cell(answer, "p99_ms"), _cell(nxt, "p95_ms"), _cell(start, "p95_ms"),
               str(step["errors"]),
               *[f"{step['cpu'][r]['ms_per_answer']:g}" if r in step["cpu"] else "–" for r in roles],
               step["saturated_first"], "yes" if holds(step, p95_target_ms=p95_target_ms) else "no"]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)
