"""Training plumbing shared by both models: seeds, atomic checkpoints, metrics, curves."""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
from pathlib import Path

import numpy as np

from ..argtypes import command_name, parsed_argv
from ..fileutil import atomic_path, os_error, printable, remove_stale_temporaries, write_target
from ..models.weights import WEIGHTS_FILES


def config_default_help(value) -> str:
    """'(default: the --config's, or VALUE without one)' for a trainer's --help, VALUE given from
    the trainer's default config dict: --batch and --lr said "the config's" without the number,
    and a number written into the help by hand would drift from the dict. A None default (a
    setting off unless given, such as a time budget) reads "none": f"{None:g}" raised."""
    shown = "none" if value is None else value if isinstance(value, str) else f"{value:g}"
    return f"(default: the --config's, or {shown} without one)"


@contextlib.contextmanager
def removed_if_failed(folder):
    """A context in which a training command runs: if it fails or is interrupted, the folders
    of `folder` (its --out) that it created and left empty are removed. A run refused after its
    checks made --out (no cubes under --data, the other model's --embedder, a --resume with no
    checkpoint, a --crop larger than the cubes) left an empty output folder behind. A folder
    holding anything (config.json, a checkpoint) stays."""
    made, p = [], Path(folder)
    while not os.path.lexists(p) and p != p.parent:
        made.append(p)
        p = p.parent
    try:
        yield
    except BaseException:
        for p in made:  # the deepest first
            with contextlib.suppress(OSError):
                p.rmdir()
        raise


def command_line() -> str:
    """This command, quoted for a shell (written into config.json, metrics.json and the weights):
    `" ".join` lost the quoting of a path with spaces, so the record did not rerun."""
    import shlex

    return shlex.join(["xrf-napari-train", *parsed_argv()])


def resume_command() -> str:
    """This command with --resume (added where it was not given): what finishes a stopped run."""
    command = command_line()
    return command if "--resume" in parsed_argv() else f"{command} --resume"


#: Records of the run's first process that a resume keeps (each resume lists its own under
#: "resumes"): the machine it started on.
FIRST_LEG_KEYS = ("runtime", "device")


def resumed_record(before: dict, command: str | None, resume: dict | None = None) -> dict:
    """{"command", "resumed_by", "resumes", "runtime", "device"} of a resumed run: the
    interrupted run's own command (the one that trains from scratch; None when an older
    checkpoint did not record it), the commands that resumed it so far, this one last, and with
    `resume` (`resume_entry`) where and how each resume went on. Recording the resuming command
    alone lost the original, and `... --resume` run as written in a fresh folder fails
    (reproducibility audit 26, finding 7). "runtime" and "device" stay the first process's
    (None where an older checkpoint did not record them; one resumed before 2026-12-05 holds
    its last process's): a resume overwrote them, so a run begun on 1 thread and resumed on 2
    read as a 2-thread run, the first leg's threads, torch and code nowhere."""
    resumed = [c for c in before.get("resumed_by") or [] if isinstance(c, str)]
    resumes = [r for r in before.get("resumes") or [] if isinstance(r, dict)]
    return {
        "command": before.get("command"),
        "resumed_by": [*resumed, *([command] if command else [])],
        **({"resumes": [*resumes, resume]} if resume is not None else {}),
        **{k: before.get(k) for k in FIRST_LEG_KEYS},
    }


def last_runtime(before: dict) -> dict | None:
    """The runtime of the process that wrote a checkpoint: its last resume's own ("runtime" in
    the entry) or, for a run never resumed (or resumed before entries held one), the run's."""
    for entry in reversed([r for r in before.get("resumes") or [] if isinstance(r, dict)]):
        if isinstance(entry.get("runtime"), dict):
            return entry["runtime"]
    runtime = before.get("runtime")
    return runtime if isinstance(runtime, dict) else None


def stream_continues(saved, device) -> bool:
    """Whether a checkpoint's random-stream state can go on on `device`: restore_generator's own
    test (one test, so that config.json's "random_stream" says what restore_generator does),
    callable before any model or generator is built."""
    import torch

    return (
        torch.is_tensor(saved)
        and saved.numel() == torch.Generator(device=device).get_state().numel()
    )


def resume_entry(step: int, device, continued: bool) -> dict:
    """One resume, as config.json, metrics.json and the weights' "training" list it under
    "resumes": the step it went on from, the device and torch thread count it ran on, its own
    `runtime_record` (the run's "runtime" and "device" stay the first process's), and whether
    the random stream continued. A run
    resumed on another kind of device (restore_generator: a new stream from the seed and step)
    said so only in a stderr line, so its records read as those of one uninterrupted stream and a
    rerun of its command could not reproduce its figures without anything telling why."""
    import torch

    return {
        "step": int(step),
        "device": str(device),
        "torch_threads": torch.get_num_threads(),
        "runtime": runtime_record(),
        "random_stream": "continued"
        if continued
        else "new, seeded from the seed and step: the checkpoint was written on another kind "
        "of device, whose stream cannot go on here",
    }


def runtime_record() -> dict:
    """What else a CPU result depends on, beside the settings and data: torch's thread count (the
    reduction order: 1 vs 2 threads gave weights 5e-3 apart), torch's version, and the code
    (provenance.code_identity: version, git commit, edited or not)."""
    import torch

    from ..provenance import code_identity

    return {
        "torch_threads": torch.get_num_threads(),
        "torch": str(torch.__version__),
        **code_identity(),
    }


def warn_runtime_change(ckpt, before: dict | None, now: dict) -> None:
    """One stderr line when a run is resumed with another thread count or torch than the
    checkpoint's run: allowed, but the rest is then not bit-identical to an uninterrupted run.
    A warning, which xrf-napari-train prints "xrf-napari-train CMD: warning: ..." (cli._dispatch),
    as the xrf-napari commands do: it was a bare "warning: ..." line."""
    import warnings

    before = before or {}
    differ = [
        f"{what} {before[k]} there, {now[k]} now"
        for k, what in (("torch_threads", "torch threads"), ("torch", "torch"))
        if k in before and before[k] != now.get(k)
    ]
    if differ:
        warnings.warn(
            f"--resume: {ckpt} was trained with other settings of the machine "
            f"({'; '.join(differ)}): the weights will not be bit-identical to an uninterrupted "
            "run's (give --threads to match)",
            stacklevel=1,
        )


def model_ranges() -> dict:
    """ "model.KEY" -> argparse type for the size keys of any model config: the bounds the weights
    loader enforces (models.weights.CONFIG_BOUNDS), so a config cannot train weights that no
    command would load."""
    from ..argtypes import float_in, int_in
    from ..models.weights import CONFIG_BOUNDS, FLOAT_BOUNDS

    ranges = {f"model.{k}": int_in(lo, hi) for k, (lo, hi) in CONFIG_BOUNDS.items()}
    ranges.update({f"model.{k}": float_in(lo, hi) for k, (lo, hi) in FLOAT_BOUNDS.items()})
    return ranges


def read_config(path):
    """The JSON of a --config file, or a ValueError naming it by its option, as other options'
    errors do ("cannot read config X: ..." said it otherwise). A UTF-8 byte-order mark (Notepad's
    "UTF-8 with BOM") is read past; a file in another encoding (Notepad's "Unicode", UTF-16) was
    refused as "'utf-8' codec can't decode byte 0xff in position 0", naming no file. A file that
    cannot be opened is said by its system error alone ("--config x.json: no such file"): the
    errno text repeated the path ("cannot read config x.json: [Errno 2] No such file or
    directory: 'x.json'")."""
    from ..io.calibration import json_number

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"--config {path}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at "
            f"offset {exc.start}): save it as UTF-8"
        ) from None
    except FileNotFoundError:
        raise ValueError(f"--config {path}: no such file") from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ValueError(f"--config {path}: {reason[:1].lower()}{reason[1:]}") from None
    if not text.strip():  # json said "Expecting value: line 1 column 1 (char 0)"
        raise ValueError(f"--config {path}: the file is empty")
    try:
        # a number no float holds (1e400, Infinity, NaN) kept as written: refused by its key
        config = json.loads(text, parse_float=json_number, parse_constant=json_number)
    except ValueError as exc:
        raise ValueError(f"--config {path}: not valid JSON: {exc}") from exc
    if not isinstance(config, dict):  # '[NaN]' was told "[0] is NaN", of no settings at all
        raise ValueError(
            f"--config {path}: must be a JSON object of settings, not {_json_kind(config)}"
        )
    found = _non_finite(config)
    if found:  # read as inf or nan, the refusals named "inf", which the file does not hold
        key, written = found
        raise ValueError(
            f"--config {path}: {key} is {written}: a config's numbers must be finite (JSON has "
            "no Infinity or NaN; leave the key out for its default)"
        )
    return config


def _json_kind(value) -> str:
    """What a config file holds at its top level where an object of settings belongs, as the
    file has it: "a list", "a string", "null", "true", a number as written (NaN, -Infinity)."""
    written = getattr(value, "written", None)
    if written is not None:
        return written
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    return json.dumps(value)  # null, true, false, a number


def _non_finite(value, key: str = "") -> tuple[str, str] | None:
    """(the key, as check_config names it: "lr", "model.latent_std[0]"; its text) of the first
    Infinity, -Infinity or NaN written in a config's JSON `value`, or None."""
    if isinstance(value, dict):
        items = ((f"{key}.{k}" if key else str(k), v) for k, v in value.items())
    elif isinstance(value, list):
        items = ((f"{key}[{i}]", v) for i, v in enumerate(value))
    else:
        written = getattr(value, "written", "")
        return (key, written) if written.lstrip("-") in ("Infinity", "NaN") else None
    for name, item in items:
        found = _non_finite(item, name)
        if found:
            return found
    return None


def _as_written(value) -> str:
    """`value`, a config setting, as check_config's refusals say it: repr, or an overflowing
    number as the file has it ("1e400 (too large for a number: read as inf)")."""
    written = getattr(value, "written", None)
    if written is None:
        return repr(value)
    return f"{written} (too large for a number: read as {value:g})"


def _unknown_keys(path, unknown: list[str], known) -> ValueError:
    """The refusal of a config's unknown keys, with the known key each one most resembles
    (argtypes.meant_choice, case ignored, as every refusal of a choice): "unknown keys ['stepz']"
    left the user to find the spelling in the code, and "LR" or "BATCH_SIZE" got no hint. Keys
    stay case-sensitive, as JSON's and check_config's are."""
    from ..argtypes import meant_choice

    hints = [f"{k!r}{hint}" for k in unknown if (hint := meant_choice(k, known))]
    return ValueError(
        f"--config {path}: unknown keys {unknown}" + (f" ({'; '.join(hints)})" if hints else "")
    )


def check_config(
    user: dict, defaults: dict, model_defaults: dict, path, derived=(), ranges=None
) -> dict:
    """The settings of a training config file, checked: its unknown keys are refused, top level
    and inside "model" (the model builders drop keys they do not know, so a misspelt "depht"
    trained the default depth), and so are values of another type than the default's (a string
    "0.002" failed after the data was loaded, and a string "false" counted as true).

    `derived`: keys a run writes into its config.json beside the settings (the command, resolved
    sizes, the split): dropped, so a run's config.json given back as --config repeats its
    settings instead of being refused for them. `ranges`: key ("model.KEY" inside "model") ->
    the argparse type of the same value given on the command line (a list's items are checked
    one by one): a config file's "steps": 0 or "val_fraction": 1.5 was accepted while --steps 0
    was refused."""
    if not isinstance(user, dict):
        raise ValueError(f"--config {path}: must be a JSON object of settings")
    user = {k: v for k, v in user.items() if k not in derived}
    unknown = sorted(set(user) - set(defaults) - {"comment"})
    model = user.get("model", {})
    if not isinstance(model, dict):
        raise ValueError(f'--config {path}: "model" must be an object of model settings')
    unknown += [f"model.{k}" for k in sorted(set(model) - set(model_defaults))]
    if unknown:
        known = [*defaults, *(f"model.{k}" for k in model_defaults)]
        raise _unknown_keys(path, unknown, known)
    pairs = [(k, v, defaults[k]) for k, v in user.items() if k not in ("model", "comment")]
    pairs += [(f"model.{k}", v, model_defaults[k]) for k, v in model.items()]
    for key, value, default in pairs:
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if isinstance(default, bool):
            ok, want = isinstance(value, bool), "true or false"
        elif isinstance(default, int):
            ok, want = number and isinstance(value, int), "a whole number"
        elif isinstance(default, float):
            ok, want = number, "a number"
        elif default is None:  # an optional number
            ok, want = number or value is None, "a number or null"
        else:
            ok, want = isinstance(value, type(default)), f"a {type(default).__name__}"
        if not ok:
            raise ValueError(f"--config {path}: {key} must be {want}, not {_as_written(value)}")
    import argparse

    for key, value, _ in pairs:
        parse = (ranges or {}).get(key)
        if parse is None or value is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            try:
                parse(getattr(item, "written", str(item)))  # argtypes says 1e400 as written
            except argparse.ArgumentTypeError as exc:
                raise ValueError(f"--config {path}: {key}: {exc}") from None
    return user


def nonfinite_tensors(state: dict) -> list[str]:
    """Names of a state dict's float tensors holding NaN or infinite values."""
    import torch

    return [
        k
        for k, v in state.items()
        if torch.is_tensor(v) and v.is_floating_point() and not bool(torch.isfinite(v).all())
    ]


def diverged(step: int, checkpoint, saved_step: int | None) -> ValueError:
    """The error that stops a run whose loss became NaN or infinite (the recolouriser went on and
    wrote NaN weights): it names the step and leaves the last good checkpoint as it was."""
    checkpoint = Path(checkpoint)
    kept = (
        f"{checkpoint} from step {saved_step} is kept"
        if saved_step is not None and checkpoint.is_file()
        else "no checkpoint had been written"
    )
    return ValueError(
        f"training diverged: the loss became NaN or infinite at step {step}; nothing was written "
        f"after it ({kept}): lower the learning rate (--lr) and train again"
    )


class StopSignals:
    """While training, SIGINT and SIGTERM only ask the loop to stop: it finishes the current step,
    writes a checkpoint (atomically, as the periodic ones) and calls `stop`, which exits 130 or 143
    (a Ctrl-C or kill lost everything since the last periodic checkpoint). A second signal stops at
    once (the last checkpoint stays). Only the main thread can install handlers; elsewhere (an API
    call from a worker thread) signals keep their handlers."""

    def __init__(self):
        self.signum: int | None = None
        self._old: dict = {}

    def __enter__(self) -> StopSignals:
        import signal
        import threading

        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._old[sig] = signal.getsignal(sig)
                signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        import signal

        for sig, old in self._old.items():
            signal.signal(sig, old if old is not None else signal.SIG_DFL)
        self._old = {}

    def _handle(self, signum, frame) -> None:
        import signal
        import sys

        if self.signum is not None:
            if signum == signal.SIGINT:
                raise KeyboardInterrupt
            raise SystemExit(128 + signum)
        self.signum = signum
        print(
            f"{command_name('xrf-napari-train')}: {signal.Signals(signum).name}: stopping after "
            "this step with a checkpoint (once more: stop at once)",
            file=sys.stderr,
            flush=True,
        )

    def requested(self, dist=None, agree: bool = True) -> bool:
        """Whether to stop now. Under DDP every rank must stop at the same step: the ranks agree
        when `agree` (the loop passes its logging steps, where it syncs anyway)."""
        if dist is None or not dist.enabled:
            return self.signum is not None
        if not agree:
            return False
        from .distributed import all_max

        signum = int(all_max(float(self.signum or 0), dist))
        if signum and self.signum is None:
            self.signum = signum
        return bool(signum)

    def stop(self, checkpoint, step: int, show: bool = True) -> SystemExit:
        """The exit after the checkpoint is written: says how to resume (show: rank 0 alone);
        128 + the signal."""
        import sys

        if show:
            print(
                f"{command_name('xrf-napari-train')}: interrupted at step {step}; checkpoint "
                f"written to {checkpoint}. Continue with: {resume_command()}",
                file=sys.stderr,
                flush=True,
            )
        return SystemExit(128 + int(self.signum))


@contextlib.contextmanager
def said_if_stopped_finishing(checkpoint, saved_step, show: bool = True):
    """A context for what follows the training loop (weights, validation, the baseline, metrics:
    minutes on a real run), in which a Ctrl-C or SIGTERM said "interrupted" alone, though
    uvit.safetensors may stand there without metrics.json: says which checkpoint stays and the
    --resume that finishes the run (a finished run's checkpoint resumes to its end at once).
    saved_step: a callable giving the step of `checkpoint` (None: none written). A write that
    fails there (a full disk) said "cannot write PATH: No space left on device" alone, and the
    same command, without --resume, trained the whole run again: it says the --resume too."""
    import errno
    import signal
    import sys

    try:
        yield
    except OSError as exc:
        step = saved_step()
        if isinstance(exc, BrokenPipeError) or getattr(exc, "on_stdout", False) or step is None:
            raise
        full = exc.errno in (errno.ENOSPC, errno.EDQUOT)  # not a folder made read-only
        raise os_error(
            exc.errno,
            f"{exc}. Checkpoint {printable(checkpoint)} (step {step}) stays: "
            f"{'with room made' if full else 'once that is mended'}, "
            f"{resume_command()} writes the results without training again",
        ) from exc
    except (KeyboardInterrupt, SystemExit) as exc:
        stopped = isinstance(exc, KeyboardInterrupt) or exc.code == 128 + signal.SIGTERM
        step = saved_step()
        if stopped and show:
            said = (
                f"checkpoint {printable(checkpoint)} (step {step}) stays; the weights, "
                f"metrics.json or loss_curve.png may be missing. Finish with: {resume_command()}"
                if step is not None
                else "no checkpoint was written: run the command again"
            )
            print(
                f"{command_name('xrf-napari-train')}: stopped after the training loop, while "
                f"writing its results: {said}",
                file=sys.stderr,
                flush=True,
            )
        raise


def files_sha1(files) -> str:
    """Which cube files a run trains on (names and sizes), whatever path reaches them: --resume
    refuses other data."""
    import hashlib

    listed = [[Path(p).name, Path(p).stat().st_size] for p in files]
    return hashlib.sha1(json.dumps(listed).encode()).hexdigest()


def target_header(path) -> tuple[frozenset[str], tuple[int, int] | None] | None:
    """(the names of a training or test cube's targets, its palette target's (H, W) or None)
    from its header, without reading the cube (an exported cube's from its sidecar), or None when
    it cannot be read here: the pass that reads the cube then says why. An HDF5 file that is no
    project cube is refused as such (project_h5.check_project_file), not as a cube lacking targets.
    Checks made before a whole-set pass use it (evaluate's targets and MS-SSIM scales, the
    recolouriser's crop): one read of each header (evaluate read every header twice)."""
    import zipfile
    import zlib

    import h5py

    from ..io.project_h5 import check_project_file
    from ..synth.export import is_exported, sidecar_of

    def plane(shape):
        return (int(shape[0]), int(shape[1])) if len(shape) >= 2 else None

    try:
        if is_exported(path):
            with np.load(sidecar_of(path), allow_pickle=False) as z:
                names = frozenset(z.files)
                return names, plane(z["palette"].shape if "palette" in names else ())
        f = h5py.File(path, "r")
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error):
        return None
    try:
        with f:
            check_project_file(f, path)  # its ValueError is this check's answer
            group = f.get("targets")
            if not isinstance(group, h5py.Group):
                return frozenset(), None
            palette = group.get("palette")
            shape = palette.shape if isinstance(palette, h5py.Dataset) else ()
            return frozenset(group.keys()), plane(shape)
    except (OSError, KeyError):
        return None


def target_plane_shape(path) -> tuple[int, int] | None:
    """(H, W) of a cube's palette target from its header (target_header), or None when it cannot
    be read here: the pass that reads the cube then says why."""
    header = target_header(path)
    return None if header is None else header[1]


def check_resume(ckpt_path, before: dict, now: dict, keys, data: list[str] = ()) -> None:
    """Refuse to resume with settings or data other than the interrupted run's: the rest of the
    run would train otherwise than its first part while its outputs claim one config and one
    dataset throughout. keys: the settings compared (before: the checkpoint's config, now: this
    run's); data: descriptions of data differences found by the caller."""
    differ = [
        f"{k} {before.get(k)!r} there, {now.get(k)!r} now"
        for k in keys
        if before.get(k) != now.get(k)
    ]
    differ += list(data)
    if differ:
        raise ValueError(
            f"--resume: {ckpt_path} belongs to a run with other settings ({'; '.join(differ)}): "
            "resume with the interrupted command unchanged, or train into another --out"
        )


def checkpoint_progress(state: dict) -> tuple[int, int | None, bool]:
    """(step, the schedule's total steps, finished) of a checkpoint of either trainer. The
    recolouriser's final checkpoint says `finished`; older ones (and the embedder's, whose last one
    is at the schedule's end) are finished at the total steps or past the recorded time budget."""
    step = int(state.get("step", 0))
    cfg = state.get("config")
    if not isinstance(cfg, dict):
        try:
            cfg = json.loads(state.get("config_json") or "{}")
        except (TypeError, ValueError):
            cfg = {}
    total = cfg.get("resolved_steps", cfg.get("steps"))
    total = int(total) if isinstance(total, (int, float)) else None
    if "finished" in state:
        return step, total, bool(state["finished"])
    budget = cfg.get("time_budget")
    over_budget = bool(budget) and float(state.get("elapsed", 0.0)) >= float(budget)
    return step, total, (total is not None and step >= total) or over_budget


#: A key only one trainer's checkpoints hold, by trainer (the `xrf-napari-train` command).
TRAINER_KEYS = {"embedder": "generator", "recolouriser": "sampler_rng"}
TRAINER_NAMES = {"embedder": "the embedder (DVE)", "recolouriser": "the recolouriser (SmallUViT)"}
#: The weights file each trainer writes into its --out.
TRAINER_WEIGHTS = {"embedder": WEIGHTS_FILES["dve"], "recolouriser": WEIGHTS_FILES["uvit"]}
#: The records both trainers write beside their weights, which the other trainer would replace;
#: a folder of weights alone (the pair $XRF_NAPARI_WEIGHTS names) holds none of them.
TRAINER_RECORDS = ("config.json", "metrics.json", "loss_curve.png")
#: The checkpoint both trainers write into their --out, which --resume continues from.
CHECKPOINT_NAME = "checkpoint.pt"


def checkpoint_trainer(state) -> str | None:
    """Which trainer wrote a checkpoint ("embedder" or "recolouriser"); None: neither."""
    if isinstance(state, dict):
        for name, key in TRAINER_KEYS.items():
            if key in state:
                return name
    return None


def refuse_unfinished_checkpoint(ckpt_path, resume: bool, trainer: str | None = None):
    """Without --resume, refuse an --out holding the checkpoint of an unfinished run, before any
    work: the run started over silently and its first checkpoint replaced the interrupted one
    (hours of training). A finished run's checkpoint, or a file no --resume could read, lets the
    command start over as before, unless the results written after it are not all there
    (unwritten_results: a run killed while writing them), which --resume writes. With `trainer`
    (this command), an --out holding the other trainer's run is refused, --resume or not: the
    recolouriser told to go on with --resume in the embedder's folder then called its checkpoint
    "not an xrf-napari training checkpoint (missing curves, sampler_rng, torch_rng)", and a
    finished one had its checkpoint, config and metrics replaced by a run of the other model; so
    were a finished run's config and metrics once its checkpoint was deleted (the other trainer's
    weights file then names the run; with none of its records beside it, as in a folder of
    shipped weights, nothing is lost).

    With --resume, returns what it loaded (None: nothing loaded, or no --resume), for
    load_checkpoint's `loaded` to check instead of loading the file a second time."""
    path = Path(ckpt_path)
    if trainer is not None and not path.is_file():  # a finished run whose checkpoint was deleted
        records = [n for n in TRAINER_RECORDS if (path.parent / n).is_file()]
        for other, name in TRAINER_WEIGHTS.items():
            if records and other != trainer and (path.parent / name).is_file():
                raise ValueError(
                    f"{printable(path.parent)} holds a run of {TRAINER_NAMES[other]} ({name}): "
                    f"give this run another --out (it would replace that run's "
                    f"{', '.join(records)})"
                )
    if (resume and trainer is None) or not path.is_file():
        return None
    import torch

    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception:  # noqa: BLE001 - unreadable: nothing --resume could continue
        return None  # (--resume loads it again, for the error that says why)
    if not isinstance(state, dict) or "step" not in state:
        return state if resume else None
    step, total, finished = checkpoint_progress(state)
    of = f" of {total}" if total is not None else ""
    other = checkpoint_trainer(state)
    if trainer is not None and other not in (None, trainer):
        raise ValueError(
            f"{printable(path)} is the checkpoint of a run training {TRAINER_NAMES[other]} "
            f"({'finished' if finished else 'interrupted'} at step {step}{of}), not "
            f"{TRAINER_NAMES[trainer]}: give this run another --out (it would replace that "
            "run's checkpoint, config.json and metrics.json)"
        )
    if resume:
        return state
    if finished:
        rest, other = unwritten_results(path, trainer, state)
        if not rest and not other:
            return None
        said = [f"{', '.join(rest)} missing or older than it"] if rest else []
        said += [f"{n} written for another checkpoint" for n in other]
        raise ValueError(
            f"{printable(path)} holds a finished run (step {step}{of}) whose results were not "
            f"all written ({'; '.join(said)}: a run stopped while writing them): --resume "
            f"writes them without training again; or start over with another --out (or delete "
            f"{path.name})"
        )
    raise ValueError(
        f"{printable(path)} holds an interrupted run (checkpoint at step {step}{of}): continue "
        f"it with --resume, or start over with another --out (or delete {path.name})"
    )


#: The key of a checkpoint's identity (save_checkpoint), which metrics.json, written last of a
#: run's results, repeats: the results beside a finished checkpoint are that run's.
CHECKPOINT_ID = "checkpoint_id"


def unwritten_results(ckpt: Path, trainer: str | None, state=None) -> tuple[list[str], list[str]]:
    """The results a run writes after its last checkpoint (its weights, metrics.json,
    loss_curve.png) that are not there for it beside `ckpt`: a run killed while writing them
    (kill -9, a power cut) left a finished checkpoint, and the same command without --resume
    trained the whole run again. trainer None (unknown): the weights are not judged. Returns
    (those missing or older than it, those written for another checkpoint: ["metrics.json"] or
    []), each stat'ed once (the refusal stat'ed metrics.json again to tell them apart).

    `state`: the checkpoint loaded. One with an identity (CHECKPOINT_ID) is judged by
    metrics.json, written last: the results are that run's when it records the identity (then
    only a file deleted since is missing), whatever the files' dates: judged by dates, a finished
    run copied with `cp -r` (each file dated by the copy, in no set order) was refused as "stopped
    while writing" its results; a metrics.json there recording another identity is another
    checkpoint's, whatever its date ("missing or older than it" named a file standing there newer
    than it, a copy). A checkpoint without one (written before 2026-12-06) is judged by the
    dates: the results must be no older than it."""
    names = [TRAINER_WEIGHTS[trainer]] if trainer in TRAINER_WEIGHTS else []
    names += ["metrics.json", "loss_curve.png"]
    folder = ckpt.parent
    ident = state.get(CHECKPOINT_ID) if isinstance(state, dict) else None
    if ident is not None and recorded_checkpoint(folder / "metrics.json") == ident:
        # metrics.json was just read: there
        return [n for n in names if n != "metrics.json" and not (folder / n).is_file()], []
    written = ckpt.stat().st_mtime_ns
    unwritten, other = [], []
    for name in names:
        try:
            when = (folder / name).stat().st_mtime_ns
        except OSError:
            unwritten.append(name)
            continue
        if ident is not None and name == "metrics.json":
            other.append(name)  # an earlier run's: it records another checkpoint
        elif when < written:
            unwritten.append(name)
    return unwritten, other


def recorded_checkpoint(metrics_path: Path):
    """The CHECKPOINT_ID that a run's metrics.json records (None: none, or no readable file)."""
    try:
        metrics = json.loads(Path(metrics_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return metrics.get(CHECKPOINT_ID) if isinstance(metrics, dict) else None


def check_model_file(
    path, want: str, option: str, said: str | None = None
) -> tuple[dict, dict] | None:
    """A one-line error, before any work, when the weights file given to `option` holds another
    model than `want` ("dve" or "SmallUViT"); else its (state_dict, config), for a caller that
    uses them (--init). said: how the file is named when no option gave it (weights_option).
    None: the shipped weights."""
    if path is None:
        return None
    from ..models.weights import load_weights, require_model, weights_option

    with weights_option(option, path, said):  # "weights file not found" named no option
        state, config = load_weights(path, want=want)
        require_model(config, want, path)  # WeightsError is a ValueError: one line
    return state, config


def restore_generator(gen, saved, seed: int, step: int) -> bool:
    """Give `gen` a checkpoint's random-stream state; False when the state is another kind of
    device's (a run interrupted on a GPU resumed on the CPU, or the reverse: torch keeps a CUDA
    stream in 16 bytes, a CPU one in 5056), and then `gen` is seeded from the run's seed and step
    instead: --resume on another machine failed with "RuntimeError: Expected a
    CPUGeneratorImplState of size 5056 but found the input RNG state size to be 16", a traceback.
    The run goes on from the checkpoint's weights and optimiser on a new, reproducible stream
    (not the same batches as its first steps); the caller says so."""
    import hashlib

    if stream_continues(saved, gen.device):
        gen.set_state(saved)
        return True
    digest = hashlib.sha256(f"xrf-napari resume {int(seed)} {int(step)}".encode()).hexdigest()
    gen.manual_seed(int(digest[:15], 16))
    return False


def warn_stream_moved(ckpt, device) -> None:
    """The one warning of a resume whose random stream restore_generator had to restart (as
    warn_runtime_change's)."""
    import warnings

    warnings.warn(
        f"--resume: {ckpt} was written by a run on another kind of device than this "
        f"one ({device}): its random stream cannot continue here, so a new one starts from the "
        "seed and step; the weights will not be bit-identical to an uninterrupted run's",
        stacklevel=1,
    )


def seed_everything(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def save_checkpoint(path, **state) -> str:
    """Atomic torch checkpoint (model/optimiser state, step, config, RNG states); removes the
    leftovers of a killed run's checkpoint writes (API users skip the CLI's start-up check),
    beside the file written: a checkpoint that is a symbolic link is written where it leads.
    Returns the identity it was given (CHECKPOINT_ID), new at each write, for the run's
    metrics.json to record (unwritten_results)."""
    import uuid

    import torch

    ident = uuid.uuid4().hex
    target = write_target(path)
    remove_stale_temporaries(target.parent, target.name)
    with atomic_path(path) as tmp:
        torch.save({**state, CHECKPOINT_ID: ident}, tmp)
    return ident


def load_checkpoint(
    path,
    required=("model", "optimizer", "step"),
    *,
    state: dict | None = None,
    loaded=None,
    model=None,
    optimizer=None,
) -> dict:
    """Load a checkpoint safely (weights_only=True): store only tensors, numbers, strings, lists and
    dicts in it (torch.get_rng_state() for RNG state, plain dicts for configs).

    A truncated, foreign or hostile file (a pickle wanting to run code) is a ValueError naming the
    file, never a traceback whose hint is to retry with weights_only=False. The model's tensors must
    be finite: resuming from NaN weights only trains NaN. With `model`/`optimizer`, their state is
    restored from it (a clear error when the checkpoint belongs to another configuration); `state`:
    an already loaded checkpoint (the embedder reads its config before building the model);
    `loaded`: the file as refuse_unfinished_checkpoint loaded it, checked here as if read here
    (--resume loaded the checkpoint twice, each a full torch.load)."""
    path = Path(path)
    if state is None:
        state = _read_checkpoint(path, required, loaded)
    _restore(model, state.get("model"), path, "model")
    _restore(
        optimizer, device_settings_kept(optimizer, state.get("optimizer")), path, "optimizer state"
    )
    return state


#: The optimiser settings that follow the device a run is on, not the run: load_state_dict
#: takes them from the checkpoint's param_groups.
DEVICE_SETTINGS = ("fused", "foreach", "capturable")


def device_settings_kept(optimizer, saved):
    """A checkpoint's optimiser state with the settings the optimiser was built with for this
    device (DEVICE_SETTINGS) in its param_groups, not the checkpoint's: the recolouriser's AdamW
    is fused on CUDA only, and a GPU run resumed on the CPU went on fused (torch before 2.4 has
    no fused CPU kernel: a RuntimeError there), a CPU run resumed on a GPU unfused. From them
    torch's load_state_dict places a fused or capturable step counter on its parameter's
    device. Anything but a state dict with a param_groups list is left for it to refuse."""
    if optimizer is None or not isinstance(saved, dict):
        return saved
    groups = saved.get("param_groups")
    if not isinstance(groups, list):
        return saved
    kept = {k: optimizer.defaults[k] for k in DEVICE_SETTINGS if k in optimizer.defaults}
    return {**saved, "param_groups": [{**g, **kept} if isinstance(g, dict) else g for g in groups]}


#: torch.load's refusal of a pickle naming a global (torch/_weights_only_unpickler.py, 2.4-2.13:
#: "Unsupported global: GLOBAL os.system was not..." / "unsupported GLOBAL posix.system whose...";
#: 2.2-2.3: "Unsupported class posix.system").
_GLOBAL_WANTED = re.compile(r"(?:\bGLOBAL|[Uu]nsupported class) (\S+)")


def _read_checkpoint(path: Path, required, loaded=None) -> dict:
    hint = f"checkpoint {path} cannot be resumed from"
    state = _torch_load(path, hint) if loaded is None else loaded
    missing = [k for k in required if not isinstance(state, dict) or k not in state]
    if missing:
        raise ValueError(
            f"{hint}: it is not an xrf-napari training checkpoint (missing {', '.join(missing)})"
        )
    weights = state.get("model")
    if isinstance(weights, dict):
        bad = nonfinite_tensors(weights)
        if bad:
            raise ValueError(
                f"{hint}: the model holds NaN or infinite values ({', '.join(bad[:3])})"
            )
    return state


def _torch_load(path: Path, hint: str):
    """torch.load(weights_only=True) of a checkpoint, every failure a ValueError saying why."""
    import torch

    from ..models.weights import plain_pickle_globals

    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except OSError as exc:
        raise ValueError(f"{hint}: {exc.strerror or exc}") from None
    except Exception as exc:  # noqa: BLE001 - zip, unpickling and format errors of every kind
        # torch wraps every unpickling error (random bytes, a .safetensors) in text naming
        # weights_only; only one that names the GLOBAL the pickle wants to load carries code
        wanted = _GLOBAL_WANTED.search(str(exc))
        pickled = plain_pickle_globals(path)  # None for a torch.save file
        names = sorted(set(pickled or []) | ({wanted.group(1)} if wanted else set()))
        plain = (
            "it is a plain Python pickle, not a torch checkpoint (torch.save writes a zip archive"
        )
        if names:  # the names are the file's text: escaped, not printed to a terminal raw
            asks = f"asks for {printable(', '.join(names)[:80])}, not only tensors and numbers"
            kind = (
                f"{plain}), and {asks}" if pickled is not None else f"it {asks}"
            ) + " (refused, nothing run)"
        elif pickled is not None:
            kind = f"{plain}; nothing in it was run)"
        else:
            kind = (
                "it is not a torch checkpoint: truncated or corrupt, or another format (nothing "
                "in it was run)"
            )
        raise ValueError(
            f"{hint}: {kind}; delete it to start afresh ({type(exc).__name__})"
        ) from None
    return state


def _restore(module, state: dict, path, what: str) -> None:
    """module.load_state_dict(state), a clear ValueError when the checkpoint belongs to another
    configuration (the usual cause: --resume with a changed --config)."""
    if module is None:
        return
    try:
        module.load_state_dict(state)
    except (RuntimeError, ValueError, KeyError, TypeError) as exc:
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise ValueError(
            f"checkpoint {path}: its {what} does not fit this run's configuration "
            f"({first}); resume with the same config or delete it"
        ) from None


def write_json(path, data: dict) -> None:
    with atomic_path(path) as tmp:
        Path(tmp).write_text(json.dumps(data, indent=2, default=float) + "\n", encoding="utf-8")


def plot_curves(path, curves: dict[str, list[tuple[int, float]]], title: str = "") -> None:
    """Loss curves (step, value) per name, log-scaled y, written atomically to PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    for name, pts in curves.items():
        if pts:
            s, v = zip(*pts)
            ax.plot(s, v, label=name)
    ax.set_xlabel("step")
    ax.set_yscale("log")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)
