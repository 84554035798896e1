"""Model weights: safetensors files carrying their config, checked against a SHA-256 manifest.

Safetensors cannot execute code on load (unlike pickle), and the hash catches a truncated or
swapped file before it silently gives wrong colours. Shipped weights live in
`xrf_napari/weights/` and are listed in `weights/manifest.json`; any explicit path is accepted too:
no manifest vouches for it, so the tensors' SHA-256 that save_weights records (when the file has
one) and `check_weights` do: finite values (a NaN bias gives a black
image, not an error), config sizes within bounds and tensors matching the model the config
describes (checked on the meta device, so a config claiming a 256 GB layer allocates nothing;
a config naming no model is checked as the DVE the embedder's loader would build).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
from pathlib import Path

SHIPPED_DIR = Path(__file__).resolve().parents[1] / "weights"
MANIFEST = SHIPPED_DIR / "manifest.json"
#: Environment variable naming a folder whose weights replace the shipped ones (napari setting too).
WEIGHTS_ENV = "XRF_NAPARI_WEIGHTS"
#: Each model's weights file (dve: the embedder, uvit: the recolouriser): what the trainers write,
#: the name looked for in $XRF_NAPARI_WEIGHTS's folder and the panels' weights folder, and the
#: shipped file's name in the manifest.
WEIGHTS_FILES = {"dve": "dve.safetensors", "uvit": "uvit.safetensors"}
#: The per-pixel MLP baseline the recolouriser trainer writes beside its weights and evaluate
#: looks for beside --weights (never shipped: no manifest entry, not in WEIGHTS_FILES).
BASELINE_FILE = "pixel_mlp.safetensors"


class WeightsError(ValueError):
    """A weights file is missing, corrupt, or not the one the manifest names.

    It carries the file (`path`), what is wrong with it (`fault`, worded as `how` says, one of
    WORDING) and, once known, how the user gave the file (`given`, e.g. "--init PATH"), and words
    itself from them: "weights file PATH is truncated: ..." or "--init PATH: the file is truncated:
    ...". weights_option named the option by rewriting the message's first words, so a reworded
    message (or a path written otherwise, as the loaders' resolved one) silently lost it. A
    message alone (no path) is said as it is."""

    #: How a fault is said: (of a file given by no option, after "GIVEN: ").
    WORDING = {
        "remark": ("weights file {path}: {fault}", "{fault}"),
        "verb": ("weights file {path} {fault}", "the file {fault}"),  # the file is its subject
        "read": ("cannot read weights file {path}: {fault}", "cannot read it: {fault}"),
        "missing": ("weights file not found: {path}", "no such weights file"),
        "folder": (
            "weights file {path} is a folder, not a .safetensors file",
            "is a folder, not a weights file (.safetensors)",
        ),
        "special": (
            "weights file {path} is not a regular file (a device or pipe), not a .safetensors file",
            "is not a regular file (a device or pipe), not a weights file (.safetensors)",
        ),
    }

    def __init__(self, fault: str, path=None, how: str = "remark", given: str | None = None):
        super().__init__(fault)
        self.fault, self.path, self.how, self.given = fault, path, how, given

    def __str__(self) -> str:
        if self.path is None:
            return self.fault
        plain, named = self.WORDING[self.how]
        if self.given is None:
            return plain.format(path=self.path, fault=self.fault)
        return f"{self.given}: " + named.format(fault=self.fault)

    def __reduce__(self):  # pickled whole (a child process's error), not as its fault alone
        return type(self), (self.fault, self.path, self.how, self.given)


def sha256_of(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def tensors_sha256(state_dict: dict) -> str:
    """SHA-256 of the tensors alone (names, dtypes, shapes, bytes, in name order): the file's hash
    also covers the config, whose recorded command holds --out, so two runs with identical
    weights never matched by file hash (reproducibility audit 26, finding 13)."""
    import torch

    h = hashlib.sha256()
    for name in sorted(state_dict):
        t = state_dict[name].detach().cpu().contiguous().reshape(-1)
        h.update(f"{name}|{t.dtype}|{tuple(state_dict[name].shape)}|".encode())
        h.update(t.view(torch.uint8).numpy().tobytes())  # any dtype, bfloat16 too
    return h.hexdigest()


#: Metadata key of the tensors' SHA-256 (tensors_sha256) that save_weights records: safetensors
#: checks the header, not the bytes, so changed bytes inside a tensor of a file given by path (no
#: manifest hash) loaded silently and changed the colours a conservator is shown.
TENSORS_KEY = "tensors_sha256"


def save_weights(state_dict: dict, path, config: dict) -> str:
    """Write tensors + config + the tensors' SHA-256 atomically; return the file's SHA-256."""
    from safetensors.torch import save_file

    from ..fileutil import atomic_path

    tensors = {k: v.detach().cpu().contiguous() for k, v in state_dict.items()}
    meta = {"config": json.dumps(config), TENSORS_KEY: tensors_sha256(tensors)}
    with atomic_path(path) as tmp:
        save_file(tensors, str(tmp), metadata=meta)
    return sha256_of(path)


def load_weights(
    path, expected_sha256: str | None = None, want: str | None = None
) -> tuple[dict, dict]:
    """(state_dict, config) from a safetensors file; WeightsError on any problem, naming the
    file. Tensors whose SHA-256 differs from the one recorded at saving are refused (files older
    than that record load as before). want: the model the caller reads ("dve", "SmallUViT",
    "PixelMLP"), for a trainer's checkpoint given in place of its weights (_checkpoint_given)."""
    from safetensors import SafetensorError, safe_open
    from safetensors.torch import load_file

    path = Path(path)
    require_file(path)
    if expected_sha256 is not None:
        got = sha256_of(path)
        if got != expected_sha256:
            raise WeightsError(
                f"is corrupt or not the expected version (SHA-256 {got[:12]}..., expected "
                f"{expected_sha256[:12]}...); reinstall xrf-napari or pass the weights file you "
                "trained",
                path,
                "verb",
            )
    _require_safetensors(path, want)
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
        state = load_file(str(path))
        config = json.loads(meta.get("config", "{}"))
    except (SafetensorError, OSError, ValueError, json.JSONDecodeError) as exc:
        raise WeightsError(str(exc), path, "read") from exc
    if not isinstance(config, dict):
        raise WeightsError("its config is not a JSON object", path)
    want = meta.get(TENSORS_KEY)
    if want is not None and (got := tensors_sha256(state)) != want:
        raise WeightsError(
            f"is corrupt: its tensors' SHA-256 ({got[:12]}...) is not the one recorded when it "
            f"was saved ({str(want)[:12]}...)",
            path,
            "verb",
        )
    check_weights(state, config, path)
    return state, config


def file_stamp(path) -> tuple[int, int]:
    """(size, mtime_ns): part of a model cache's key, so a file rewritten at the same path is
    loaded again."""
    st = Path(path).stat()
    return st.st_size, st.st_mtime_ns


def load_weights_hashed(
    path, expected_sha256: str | None = None, want: str | None = None
) -> tuple[dict, dict, str]:
    """(state_dict, config, SHA-256) of one version of a weights file: the hash is of the file
    whose tensors were loaded, so what a model records of its weights (embedder_mismatch,
    provenance, evaluate's weights_sha256) refers to the model in memory. A file whose hash
    changed while it was read (rewritten by a training run) is read again."""
    for _ in range(3):
        before = sha256_of(path) if Path(path).is_file() else None
        state, config = load_weights(path, expected_sha256=expected_sha256, want=want)  # named
        got = sha256_of(path)
        if got == before:
            return state, config, got
    raise WeightsError("kept changing while it was read", path, "verb")


def plain_pickle_globals(path) -> list[str] | None:
    """The globals ("module.name") a file that is one plain Python pickle names, read opcode by
    opcode (pickletools: nothing is run); None if it is not one (torch.save writes a zip archive,
    and its legacy format several pickles in a row). Both refusals of a pickle use it: torch's
    weights-only loader stops at a protocol-4 pickle's first opcode (FRAME), before any global it
    names, so --resume called such a file "not a torch checkpoint: truncated or corrupt",
    whatever it asked for, and load_weights called it a torch.save file."""
    import pickletools

    path = Path(path)
    names, strings, memo = [], [], {}
    try:
        with open(path, "rb") as fh:
            for op, arg, _ in pickletools.genops(fh):
                if isinstance(arg, str) and "UNICODE" in op.name:
                    strings.append(arg)
                elif op.name in ("BINGET", "LONG_BINGET", "GET"):
                    strings.append(memo.get(arg))
                elif op.name in ("BINPUT", "LONG_BINPUT", "PUT"):
                    memo[arg] = strings[-1] if strings else None
                elif op.name == "MEMOIZE":
                    memo[len(memo)] = strings[-1] if strings else None
                elif op.name in ("GLOBAL", "INST"):
                    names.append(arg.replace(" ", "."))
                elif op.name == "STACK_GLOBAL":
                    names.append(".".join(str(x) for x in strings[-2:]))
            whole = fh.tell() == path.stat().st_size
    except (ValueError, EOFError, UnicodeDecodeError, OSError):
        return None
    return sorted(set(names)) if whole else None


def _require_safetensors(path: Path, want: str | None = None) -> None:
    """A safetensors file opens with an 8-byte header length and a JSON '{'; anything else is
    named for what it is, not as the parser's "header too large". A PyTorch .pt (a zip or a bare
    pickle) is refused, never unpickled: a pickle can run any code when it loads. want: the
    model the caller reads (_checkpoint_given), None: any."""
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise WeightsError(str(exc), path, "read") from exc
    with fh:  # opened once: _require_whole reads the header from it
        try:
            head = fh.read(9)
        except OSError as exc:
            raise WeightsError(str(exc), path, "read") from exc
        if head[8:9] == b"{":
            _require_whole(path, fh)
            return
    if not head:
        raise WeightsError("is empty (0 bytes): a failed download or copy?", path, "verb")
    pickled = plain_pickle_globals(path) if head[:1] == b"\x80" else None
    if pickled is not None:
        from ..fileutil import printable

        asks = f", and asks for {printable(', '.join(pickled)[:80])}" if pickled else ""
        raise WeightsError(
            f"is a plain Python pickle, not a safetensors file{asks}: pickles can run code when "
            "loaded, so it is refused (nothing in it was run); save the state dict with "
            "xrf_napari.models.weights.save_weights",
            path,
            "verb",
        )
    if head[:4] == b"PK\x03\x04" and _zip_of_arrays(path):
        raise WeightsError(
            "is a NumPy .npz archive of arrays (a latent cache?), not a safetensors file of "
            "model weights",
            path,
            "verb",
        )
    if head[:6] == b"\x93NUMPY":
        raise WeightsError(
            "is a NumPy .npy array, not a safetensors file of model weights", path, "verb"
        )
    if head[:4] == b"PK\x03\x04" and path.name == "checkpoint.pt":  # training.common's name
        # it said "save the state dict with ...save_weights", as to a stranger
        raise WeightsError(_checkpoint_given(path, want), path, "verb")
    if head[:4] == b"PK\x03\x04" or head[:1] == b"\x80":
        raise WeightsError(
            "is a PyTorch pickle (torch.save), not a safetensors file: pickles can run code when "
            "loaded, so they are refused; save the state dict with "
            "xrf_napari.models.weights.save_weights",
            path,
            "verb",
        )
    from ..fileutil import kind_if_readable

    if kind_if_readable(path) == "hdf5":  # `--weights scan.h5` was "not a safetensors file"
        raise WeightsError(
            "is an HDF5 file (a scan?), not a safetensors file of model weights", path, "verb"
        )
    raise WeightsError("is not a safetensors file", path, "verb")


#: The weights file a trainer writes beside its checkpoint, by the model it holds (the
#: recolouriser's run holds its per-pixel MLP baseline too).
RUN_WEIGHTS = {
    "dve": WEIGHTS_FILES["dve"],
    "SmallUViT": WEIGHTS_FILES["uvit"],
    "PixelMLP": BASELINE_FILE,
}


def _checkpoint_given(path: Path, want: str | None) -> str:
    """Why a trainer's checkpoint.pt given as weights is refused, naming the weights file beside
    it of the model the caller reads (`want`; None: any): `embed --weights RUN/checkpoint.pt` of
    a recolouriser's run was told to give uvit.safetensors beside it (and pixel_mlp.safetensors),
    which embed then refused as no DVE."""
    said = "is a trainer's checkpoint (torch.save), not a weights file"
    never = " (a pickle can run code when loaded: it is never read here)"
    resume = "or continue that run with its command and --resume" + never
    beside = {k: name for k, name in RUN_WEIGHTS.items() if (path.parent / name).is_file()}
    if want is None or want in beside:
        found = [beside[want]] if want else sorted(beside.values())
        give = f" ({', '.join(found)} beside it)" if found else ""
        return f"{said}: give the .safetensors weights its run writes{give}, {resume}"
    other = [k for k in beside if k != "PixelMLP"]  # the recolouriser's run holds its baseline
    if not other and beside:  # its baseline alone: a recolouriser's run, finished (the baseline
        # is written after uvit.safetensors); a DVE asked for was told "its run writes
        # dve.safetensors when it finishes (none beside it yet)", a SmallUViT the same
        uvit = RUN_WEIGHTS["SmallUViT"]
        if want == "SmallUViT":
            return (
                f"{said}: its run finished ({BASELINE_FILE} beside it, written after {uvit}) "
                f"but its {uvit} is not beside it: give that file{never}"
            )
        other = ["SmallUViT"]
        beside["SmallUViT"] = f"{BASELINE_FILE}, its baseline,"
    if other:  # a finished run of another model: its weights are no use here
        kinds = {"PixelMLP": "per-pixel MLP baseline", **MODEL_NAMES}
        return (
            f"{said}, and its run trained the {kinds[other[0]]} ({beside[other[0]]} beside it): "
            f"give {kinds.get(want, want)} weights ({RUN_WEIGHTS.get(want, '.safetensors')} of "
            f"a run that trained one){never}"
        )
    mine = RUN_WEIGHTS.get(want, "its .safetensors weights")
    return f"{said}: its run writes {mine} when it finishes (none beside it yet): {resume[3:]}"


def _zip_of_arrays(path: Path) -> bool:
    """True for a zip holding only .npy members (np.savez): a latent_cache.npz given as --init
    was called "a PyTorch pickle (torch.save)", which it is not."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
    except (OSError, zipfile.BadZipFile, ValueError):
        return False
    return bool(names) and all(n.endswith(".npy") for n in names)


#: The largest header the safetensors library reads (its own limit: 100 MB).
SAFETENSORS_MAX_HEADER = 100_000_000


def safetensors_header(path, fh) -> tuple[int, dict | None]:
    """(length, header) of the safetensors file `path` open in binary as `fh`, read from its
    start: the length its first 8 bytes give the JSON header, and that header (None where the file
    is cut within it or it is not a JSON object). A length above SAFETENSORS_MAX_HEADER is a
    WeightsError ("is not a safetensors file"): reading it took in the whole file (gigabytes for
    a scan given as --weights). _require_whole and recolour's --tile check read it here."""
    import struct

    fh.seek(0)
    (n,) = struct.unpack("<Q", fh.read(8))
    if n > SAFETENSORS_MAX_HEADER:  # text whose 9th byte is "{", not a cut file
        raise WeightsError("is not a safetensors file", path, "verb")
    try:
        header = json.loads(fh.read(n))
    except ValueError:  # a cut header, or not JSON
        return n, None
    return n, header if isinstance(header, dict) else None


def _require_whole(path: Path, fh) -> None:
    """WeightsError when a safetensors file is shorter than its header says: a download or copy
    cut short was "cannot read weights file ...: Error while deserializing header: incomplete
    metadata, file not fully covered", which does not say the file is truncated, nor by how much.
    A header that is not JSON is left to the parser (it names the fault). fh: the file, open in
    binary (_require_safetensors's opening, not a second one)."""
    size = os.fstat(fh.fileno()).st_size
    n, header = safetensors_header(path, fh)
    need = 8 + n
    cut = size < need  # a header cut short is not parsed
    if not cut:
        if header is None:
            return
        try:
            need += max(
                (int(v["data_offsets"][1]) for k, v in header.items() if k != "__metadata__"),
                default=0,
            )
        except (ValueError, TypeError, KeyError, IndexError, AttributeError):
            return
    if size < need:
        least = "at least " if cut else ""
        raise WeightsError(
            f"is truncated: it holds {size} bytes, its header asks for {least}{need}: a download "
            "or copy cut short? copy it again",
            path,
            "verb",
        )


#: Sane ranges of the size keys of any model config (far above anything trained, far below a
#: size that exhausts memory). Integer keys must be whole numbers; "hidden" may be a list.
CONFIG_BOUNDS = {
    "n_channels": (1, 16384),
    "latent_dim": (1, 64),
    "hidden": (1, 8192),
    "dim": (1, 4096),
    "depth": (1, 64),
    "heads": (1, 64),
    "patch": (1, 256),
    "img_size": (1, 4096),
    "tile": (1, 4096),
    "in_chans": (1, 64),
    "out_chans": (1, 64),
    "colour_bins": (0, 1024),
    "head_hidden": (0, 4096),
    "pixel_branch": (0, 4096),
    "token_chans": (0, 64),
    "layers": (1, 32),
}
FLOAT_BOUNDS = {"mlp_ratio": (0.125, 16.0), "decode_temperature": (0.01, 10.0)}
MAX_HIDDEN_LAYERS = 16
#: Model builders by the config's "arch" (or "model") value, for the shape check (models only: the
#: per-pixel MLP baseline lives in training/, above this layer, and gets the value checks alone).
BUILDERS = {"dve": "xrf_napari.models.dve", "SmallUViT": "xrf_napari.models.uvit"}
#: What errors call the models a weights config names.
MODEL_NAMES = {"dve": "DVE (embedder)", "SmallUViT": "SmallUViT (recolouriser)"}


def model_kind(config: dict) -> str | None:
    """The model a weights config names: "arch" (SmallUViT, per-pixel MLP) or "model" (the DVE's
    key); None when it names none."""
    return config.get("arch") or config.get("model")


@contextlib.contextmanager
def weights_option(option: str, path, said: str | None = None):
    """A WeightsError about the file given to `option`, raised inside, names that option first, as
    `--labels X: ...` does: "weights file X is not a safetensors file" did not say which of a
    command's weights options (--weights, --embedder, --init, --baseline) gave it. The error is
    about the file as the user wrote it, not as a loader resolved it. said: what names the file in
    place of "OPTION PATH", for one no option gave (evaluate's baseline found beside --weights).
    path None: the shipped weights, given by no option (their errors are left as they are)."""
    try:
        yield
    except WeightsError as exc:
        if path is None or exc.given is not None:
            raise
        if exc.path is not None and Path(exc.path).resolve() != Path(path).resolve():
            raise  # another file's fault: not given by this option
        exc.path, exc.given = path, said or f"{option} {path}"
        raise


def require_file(path, option: str | None = None) -> None:
    """WeightsError naming the option when the weights file given to it is no file: two weights
    options of one command (recolour's --weights and --embedder, the recolouriser's
    --embedder and --init) both said "weights file not found: PATH", which did not say which one
    was wrong, and recolour read the scan before looking. option None: load_weights's own check."""
    path_ = Path(path)
    given = f"{option} {path}" if option else None
    if path_.is_dir():
        raise WeightsError("", path, "folder", given)
    if not path_.is_file():  # a device (/dev/zero) was "no such weights file"
        raise WeightsError("", path, "special" if path_.exists() else "missing", given)


def require_weights_file(path, want: str | None = None) -> None:
    """load_weights's checks that read no tensor (a regular file, readable, a whole safetensors
    file), for a command to make before its slow work: the recolouriser loaded its embedder, made
    its output folder and said "device: cpu" before finding its --init missing."""
    require_file(path)
    _require_safetensors(Path(path), want)


def require_model(config: dict, want: str, path) -> None:
    """One-line WeightsError when a weights file holds another model than `want` ("dve" or
    "SmallUViT"): a SmallUViT given as the embedder listed a hundred missing tensors, a DVE given
    as the recolouriser was "a 'unknown' model". A config naming no model passes as a DVE (the
    DVE loader's default). A DVE must read the canonical grid, or it fails only when embedding.
    The option that gave the file is named by weights_option around the load."""
    kind = model_kind(config)
    if kind != want and not (kind is None and want == "dve"):
        what = (
            f"a {MODEL_NAMES.get(kind, repr(kind))} model" if kind else "its config names no model"
        )
        raise WeightsError(f"not {MODEL_NAMES[want]} weights ({what})", path)
    if want == "dve":
        from ..energy import CANONICAL_N_CHANNELS

        n = config.get("n_channels", CANONICAL_N_CHANNELS)
        if n != CANONICAL_N_CHANNELS:
            raise WeightsError(
                f"a DVE for {n} channels; the embedder reads the canonical "
                f"{CANONICAL_N_CHANNELS}-channel grid",
                path,
            )


def check_config(config: dict, path) -> None:
    """WeightsError unless every size key of `config` is a number within CONFIG_BOUNDS/FLOAT_BOUNDS
    and latent_mean/latent_std are short lists of finite numbers (std > 0)."""
    import math

    def fail(key, why):
        raise WeightsError(f"config {key} = {str(config[key])[:60]} {why}", path)

    for key, (lo, hi) in CONFIG_BOUNDS.items():
        if key not in config:
            continue
        values = config[key]
        if isinstance(values, list):
            if key != "hidden" or not 1 <= len(values) <= MAX_HIDDEN_LAYERS:
                fail(
                    key,
                    f"is not a single number (or a list of 1 to {MAX_HIDDEN_LAYERS} layer sizes)",
                )
        else:
            values = [values]
        for v in values:
            if isinstance(v, bool) or not isinstance(v, int):
                fail(key, "is not a whole number")
            if not lo <= v <= hi:
                fail(key, f"is outside the sane range {lo} to {hi}")
    for key, (lo, hi) in FLOAT_BOUNDS.items():
        v = config.get(key)
        if v is not None and (
            isinstance(v, bool)
            or not isinstance(v, (int, float))
            or not (math.isfinite(v) and lo <= v <= hi)
        ):
            fail(key, f"is not a number from {lo} to {hi}")
    for key in ("latent_mean", "latent_std"):
        if key not in config:
            continue
        v = config[key]
        if (
            not isinstance(v, list)
            or not 1 <= len(v) <= 64
            or not all(
                isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)
                for x in v
            )
        ):
            fail(key, "is not a list of 1 to 64 finite numbers")
        if key == "latent_std" and min(v) <= 0:
            fail(key, "has a value <= 0")


def check_weights(state: dict, config: dict, path) -> None:
    """WeightsError unless every tensor is floating-point and finite, the config is within bounds
    and (for a known architecture) the tensors are exactly those of the model the config
    describes. A config naming no model is checked as a DVE, as the embedder's loader reads it
    (`require_model`): skipping it let a file claiming six 4096-wide layers allocate 656 MiB
    before it was refused (audit 30, finding 8). Every model's tensors are floats: an integer
    (or bool, complex) tensor in a hand-made or wrongly converted file was copied into the float
    parameters as whole numbers, silently, and gave a model of rounded weights."""
    import importlib

    import torch

    ints = [k for k, v in state.items() if not v.is_floating_point()]
    if ints:
        k = ints[0]
        dtype = str(state[k].dtype).removeprefix("torch.")
        more = f"; {len(ints)} of its {len(state)} tensors are not floats" if len(ints) > 1 else ""
        raise WeightsError(
            f"tensor {k} holds {dtype} values{more}: model weights are floats (float32, float16 "
            "or bfloat16); convert the file's tensors to float32, or give the file the trainer "
            "wrote",
            path,
        )
    bad = [k for k, v in state.items() if not bool(torch.isfinite(v).all())]  # all floats now
    if bad:
        raise WeightsError(
            f"holds NaN or infinite values in {len(bad)} tensor(s) "
            f"({', '.join(bad[:3])}{', ...' if len(bad) > 3 else ''}): the training "
            "diverged or the file is damaged",
            path,
            "verb",
        )
    check_config(config, path)
    named = model_kind(config)
    kind = named or "dve"
    if kind not in BUILDERS:
        return
    try:
        with torch.device("meta"):  # shapes only: nothing is allocated, whatever the config says
            model = importlib.import_module(BUILDERS[kind]).build_from_config(config)
        want = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    except (ValueError, TypeError, KeyError, RuntimeError) as exc:
        raise WeightsError(f"its {kind} config is invalid: {exc}", path) from exc
    have = {k: tuple(v.shape) for k, v in state.items()}
    if want != have:
        diff = sorted(set(want) ^ set(have)) or [k for k in want if want[k] != have[k]]
        k = diff[0]
        what = f"the {kind}" if named else "a DVE (its config names no model, so it is read as one)"
        raise WeightsError(
            f"its tensors do not match {what} its config describes ({len(diff)} differ, e.g. "
            f"{k}: file {have.get(k, 'missing')}, config {want.get(k, 'missing')})",
            path,
        )


def load_state(model, state: dict, path, name: str) -> None:
    """model.load_state_dict(state), a mismatch refused as a WeightsError about `path` (the
    model's `name`: "DVE", "SmallUViT"), in one line: torch's first fault of its list, and how
    many more. Reached only where check_weights missed a mismatch; the embedder's and the
    recolouriser's loaders both call it, so under an option the file is named once."""
    try:
        model.load_state_dict(state)
    except RuntimeError as exc:
        faults = str(exc).split("\n\t")[1:] or [str(exc)]
        more = f" (and {len(faults) - 1} more)" if len(faults) > 1 else ""
        raise WeightsError(
            f"does not match its {name} config: {faults[0]}{more}", path, "verb"
        ) from exc


def manifest() -> dict:
    if not MANIFEST.is_file():
        return {}
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


def resolve_weights(name: str, path=None) -> tuple[Path, str | None]:
    """(file, expected hash or None) for model `name` ("dve" or "uvit").

    An explicit path wins (no hash: the user's own training); then the folder in
    $XRF_NAPARI_WEIGHTS; then the shipped file, whose hash the manifest fixes.
    """
    if path is not None:
        return Path(path), None
    entry = manifest().get(name)
    if entry is None:
        raise WeightsError(
            f"no shipped weights for model {name!r}; train them with xrf-napari-train "
            "or pass a weights file"
        )
    override = os.environ.get(WEIGHTS_ENV)
    if override:
        # "~" expanded as the panels' weights folder is (widgets._common.default_weights): a
        # quoted "~/w" used the folder's file in napari and the shipped one on the command line
        folder = Path(override).expanduser()
        if (folder / entry["file"]).is_file():
            return folder / entry["file"], None
        if not folder.is_dir():
            _say_no_folder(override, entry["file"])
    return SHIPPED_DIR / entry["file"], entry["sha256"]


@functools.cache
def _say_no_folder(override: str, file: str) -> None:
    """Once a process per model (a run resolves each two or three times): a mistyped
    $XRF_NAPARI_WEIGHTS recoloured with the shipped pair, exit 0 and no word of it."""
    import warnings

    warnings.warn(no_folder_words(f"${WEIGHTS_ENV}", override, file), stacklevel=3)


def no_folder_words(setting: str, folder: str, file: str) -> str:
    """What a weights folder `setting` naming no folder (mistyped) is told, the commands' warning
    and the panels' alike."""
    from ..fileutil import printable

    return f"{setting} names {printable(folder)}, which is no folder: the shipped {file} is used"


def default_help(name: str) -> str:
    """What a weights option's --help says of its default, as `resolve_weights` picks it: the
    file of that name in $XRF_NAPARI_WEIGHTS's folder, else the shipped one. The help said "the
    shipped weights" alone, so a shell where napari's weights setting was exported evaluated (or
    recoloured with) the folder's weights while the user believed they had the shipped pair."""
    file = WEIGHTS_FILES[name]
    return (
        f"default: ${WEIGHTS_ENV}/{file} when that variable is set and the file is there, else "
        "the shipped weights"
    )


def register_shipped(name: str, file: Path, extra: dict | None = None) -> None:
    """Record a weights file in the manifest (used when publishing freshly trained weights)."""
    from ..fileutil import atomic_path

    data = manifest()
    data[name] = {"file": Path(file).name, "sha256": sha256_of(file), **(extra or {})}
    with atomic_path(MANIFEST) as tmp:
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
