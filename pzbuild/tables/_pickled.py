"""Read plain values and numpy arrays out of a pickle WITHOUT unpickling it.

pandas keeps the string columns of a fixed-format HDF5 store as pickles, and PyTables keeps
attributes such as column lists as pickles. Loading a pickle runs whatever code its writer
chose, so pzbuild never calls ``pickle.load`` (nor pandas/PyTables, which would). Instead this
module walks the opcode stream with :func:`pickletools.genops`, which only parses, and builds
the value itself. It understands None, bools, numbers, str, bytes, lists, tuples, dicts, sets
and numpy arrays, dtypes and scalars. Any other global (a class or function that the pickle
would import and call) raises :class:`PickleDataError`, and nothing is ever called.
"""

from __future__ import annotations

import math
import pickletools
from typing import Any, Literal

import numpy as np


class PickleDataError(ValueError):
    """Raised when a pickle holds something else than plain data and numpy arrays."""


_NUMPY = ("numpy.core.multiarray", "numpy._core.multiarray")
_NUMERIC = ("numpy.core.numeric", "numpy._core.numeric")
_BUILTINS = ("builtins", "__builtin__")
_GLOBALS: dict[tuple[str, str], str] = {
    **{(m, "_reconstruct"): "reconstruct" for m in _NUMPY},
    **{(m, "scalar"): "scalar" for m in _NUMPY},
    **{(m, "_frombuffer"): "frombuffer" for m in _NUMERIC},
    ("numpy", "ndarray"): "ndarray",
    ("numpy", "dtype"): "dtype",
    ("_codecs", "encode"): "encode",
    **{(m, "bytearray"): "bytearray" for m in _BUILTINS},
    **{(m, "set"): "set" for m in _BUILTINS},
    **{(m, "frozenset"): "frozenset" for m in _BUILTINS},
}
_MAX_ITEMS = 100_000_000


class _Global:
    def __init__(self, kind: str) -> None:
        self.kind = kind


class _Pending:
    """An array or dtype created by REDUCE and completed by BUILD."""

    def __init__(self, kind: str, arg: Any = None) -> None:
        self.kind = kind
        self.arg = arg
        self.value: Any = None


def _bytes(value: Any) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, str):  # protocol 0-2 strings hold raw bytes as latin-1 text
        return value.encode("latin-1")
    raise PickleDataError(f"expected raw bytes, found {type(value).__name__}")


def _resolve(obj: Any) -> Any:
    if isinstance(obj, _Pending):
        if obj.value is None:
            if obj.kind == "dtype":
                return np.dtype(obj.arg)
            raise PickleDataError("a numpy array in the pickle has no data")
        return obj.value
    if isinstance(obj, list):
        return [_resolve(v) for v in obj]
    if isinstance(obj, tuple):
        return tuple(_resolve(v) for v in obj)
    if isinstance(obj, dict):
        return {_resolve(k): _resolve(v) for k, v in obj.items()}
    return obj


def _build_dtype(base: Any, state: tuple[Any, ...]) -> np.dtype:
    base = base.decode("latin-1") if isinstance(base, bytes) else str(base)
    endian = state[1] if len(state) > 1 else "|"
    names = state[3] if len(state) > 3 else None
    fields = state[4] if len(state) > 4 else None
    elsize = state[5] if len(state) > 5 else -1
    if names is not None and isinstance(fields, dict):
        formats = [_resolve(fields[n][0]) for n in names]
        offsets = [int(fields[n][1]) for n in names]
        spec: Any = {"names": list(names), "formats": formats, "offsets": offsets}
        if isinstance(elsize, int) and elsize > 0:
            spec["itemsize"] = elsize
        return np.dtype(spec)
    kind = base.rstrip("0123456789")
    if kind in ("U", "S", "V") and isinstance(elsize, int) and elsize > 0:
        base = f"{kind}{elsize // 4 if kind == 'U' else elsize}"
    prefix = endian if endian in ("<", ">") else ""
    return np.dtype(prefix + base)


def _build_array(state: tuple[Any, ...]) -> np.ndarray:
    if len(state) == 5:
        state = state[1:]
    if len(state) != 4:
        raise PickleDataError("a numpy array in the pickle has an unknown layout")
    shape, dtype, fortran, raw = state
    dtype = _resolve(dtype)
    shape = tuple(int(s) for s in shape)
    count = math.prod(shape)
    if count > _MAX_ITEMS:
        raise PickleDataError("a numpy array in the pickle is too large")
    order: Literal["C", "F"] = "F" if fortran else "C"
    if dtype.hasobject:
        items = _resolve(raw)
        if not isinstance(items, list) or len(items) != count:
            raise PickleDataError("an object array in the pickle does not match its shape")
        flat = np.empty(count, dtype=object)
        for i, item in enumerate(items):
            flat[i] = item
        return flat.reshape(shape, order=order)
    data = _bytes(raw)
    if len(data) != count * dtype.itemsize:
        raise PickleDataError("a numpy array in the pickle has the wrong number of bytes")
    return np.frombuffer(data, dtype=dtype, count=count).reshape(shape, order=order).copy()


def _call(func: Any, args: Any) -> Any:
    if not isinstance(func, _Global) or not isinstance(args, tuple):
        raise PickleDataError("the pickle calls something that is not plain data")
    kind = func.kind
    if kind == "reconstruct":
        return _Pending("array")
    if kind == "dtype":
        return _Pending("dtype", args[0] if args else "f8")
    if kind == "frombuffer" and len(args) == 4:
        buf, dtype, shape, order = args
        dtype = _resolve(dtype)
        shape = tuple(int(s) for s in shape)
        arr = np.frombuffer(_bytes(buf), dtype=dtype, count=math.prod(shape))
        return arr.reshape(shape, order="F" if order == "F" else "C").copy()
    if kind == "scalar" and len(args) >= 1:
        dtype = _resolve(args[0])
        if dtype.hasobject:
            return _resolve(args[1]) if len(args) > 1 else None
        return np.frombuffer(_bytes(args[1]), dtype=dtype, count=1)[0]
    if kind == "encode" and args and isinstance(args[0], str):
        return args[0].encode(str(args[1]) if len(args) > 1 else "utf-8")
    if kind == "bytearray":
        return bytearray(_bytes(args[0])) if args else bytearray()
    if kind in ("set", "frozenset"):
        items = _resolve(args[0]) if args else []
        return set(items) if kind == "set" else frozenset(items)
    raise PickleDataError("the pickle calls something that is not plain data")


def loads_data(data: bytes) -> Any:
    """The value a pickle holds, if it is plain data or numpy arrays; nothing is executed.

    Raises PickleDataError for anything else (classes, functions, unknown opcodes).
    """
    stack: list[Any] = []
    marks: list[list[Any]] = []
    memo: dict[int, Any] = {}

    def pop_mark() -> list[Any]:
        nonlocal stack
        items = stack
        if not marks:
            raise PickleDataError("the pickle is malformed")
        stack = marks.pop()
        return items

    try:
        for op, raw_arg, _pos in pickletools.genops(data):
            name = op.name
            arg: Any = raw_arg
            if name in ("PROTO", "FRAME"):
                continue
            if name == "STOP":
                if not stack:
                    raise PickleDataError("the pickle is empty")
                return _resolve(stack.pop())
            if name == "MARK":
                marks.append(stack)
                stack = []
            elif name in ("NONE", "NEWTRUE", "NEWFALSE"):
                stack.append({"NONE": None, "NEWTRUE": True, "NEWFALSE": False}[name])
            elif name in ("INT", "BININT", "BININT1", "BININT2", "LONG", "LONG1", "LONG4",
                          "FLOAT", "BINFLOAT", "STRING", "BINSTRING", "SHORT_BINSTRING",
                          "BINBYTES", "SHORT_BINBYTES", "BINBYTES8", "UNICODE", "BINUNICODE",
                          "SHORT_BINUNICODE", "BINUNICODE8"):
                stack.append(arg)
            elif name == "BYTEARRAY8":
                stack.append(bytearray(arg))
            elif name in ("EMPTY_LIST", "EMPTY_DICT", "EMPTY_TUPLE", "EMPTY_SET"):
                stack.append({"EMPTY_LIST": [], "EMPTY_DICT": {}, "EMPTY_TUPLE": (),
                              "EMPTY_SET": set()}[name])
            elif name in ("LIST", "TUPLE", "FROZENSET"):
                items = pop_mark()
                stack.append({"LIST": list, "TUPLE": tuple, "FROZENSET": frozenset}[name](items))
            elif name in ("TUPLE1", "TUPLE2", "TUPLE3"):
                n = int(name[-1])
                items = stack[-n:]
                del stack[-n:]
                stack.append(tuple(items))
            elif name == "DICT":
                items = pop_mark()
                stack.append(dict(zip(items[::2], items[1::2], strict=True)))
            elif name == "APPEND":
                value = stack.pop()
                stack[-1].append(value)
            elif name == "APPENDS":
                items = pop_mark()
                stack[-1].extend(items)
            elif name == "SETITEM":
                value = stack.pop()
                key = stack.pop()
                stack[-1][key] = value
            elif name == "SETITEMS":
                items = pop_mark()
                for key, value in zip(items[::2], items[1::2], strict=True):
                    stack[-1][key] = value
            elif name == "ADDITEMS":
                items = pop_mark()
                stack[-1].update(items)
            elif name == "POP":
                stack.pop()
            elif name == "POP_MARK":
                pop_mark()
            elif name == "DUP":
                stack.append(stack[-1])
            elif name in ("GET", "BINGET", "LONG_BINGET"):
                stack.append(memo[int(arg)])
            elif name in ("PUT", "BINPUT", "LONG_BINPUT"):
                memo[int(arg)] = stack[-1]
            elif name == "MEMOIZE":
                memo[len(memo)] = stack[-1]
            elif name in ("GLOBAL", "STACK_GLOBAL"):
                if name == "GLOBAL":
                    module, _, qual = str(arg).partition(" ")
                else:
                    qual = stack.pop()
                    module = stack.pop()
                kind = _GLOBALS.get((str(module), str(qual)))
                if kind is None:
                    raise PickleDataError(f"the pickle refers to {module}.{qual}, which is "
                                          "not plain data; it is not loaded")
                stack.append(_Global(kind))
            elif name == "REDUCE":
                args = stack.pop()
                func = stack.pop()
                stack.append(_call(func, args))
            elif name == "BUILD":
                state = stack.pop()
                target = stack[-1]
                if not isinstance(target, _Pending) or not isinstance(state, tuple):
                    raise PickleDataError("the pickle sets the state of an object")
                if target.kind == "dtype":
                    target.value = _build_dtype(target.arg, state)
                else:
                    target.value = _build_array(state)
            else:
                raise PickleDataError(f"the pickle uses the opcode {name}, which builds "
                                      "objects; it is not loaded")
    except PickleDataError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise PickleDataError(f"the pickle cannot be decoded as data ({exc})") from exc
    raise PickleDataError("the pickle ends without a STOP opcode")


def is_pickle(data: bytes) -> bool:
    """True when ``data`` is one whole pickle (any protocol); parsed, never loaded."""
    if not data:
        return False
    if data[:1] == b"\x80" and data[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return True
    try:
        last = None
        for op, _arg, pos in pickletools.genops(data):
            last = (op.name, pos)
    except Exception:
        return False
    return last is not None and last[0] == "STOP" and last[1] == len(data.rstrip()) - 1
