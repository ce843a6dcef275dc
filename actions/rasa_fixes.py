"""The project's fixes to rasa 3.6's speed, installed in every rasa process.

`install()` is called by `scripts/rasa_cli.py` (the way the Makefile, `make run`, `make shell`
and the tests start rasa) and by the scripts that load a model in-process. Each fix keeps
rasa's behaviour and results exactly; `tests/unit/test_rasa_fixes.py` and
`tests/unit/test_jsonschema_cache.py` compare them with rasa's own code.

- `actions.jsonschema_cache`: a JSON schema is checked against its meta-schema once, not at
  every validation (every action-server answer, every entity annotation read).
- `combine_sparse`: rasa joins the sparse features of a message's featurizers with
  `scipy.sparse.hstack`, whose general block-matrix code takes about 1 ms for two tiny
  matrices. DIET and the ResponseSelector do it for every message they train on or parse
  (2 feature types × 4 joins per message): about 19 s of each training and several
  milliseconds of every turn. The join of two COO matrices is three concatenations.
- `batch_values`: for every training batch, rasa turns each message's sparse matrix into
  index triples with a few numpy calls per message (about 20 s of a training); the same
  arrays come from one concatenation per batch.
- `features_fingerprint`: after each training step rasa fingerprints its output for the
  training cache, writing every sparse feature entry as text ("  (i, j)\tv" lines) before
  hashing it (about 25 s of a training). The fix hashes the matrix's arrays. Fingerprints are
  only cache keys: equal features still get equal fingerprints, different ones different
  fingerprints; a cache filled before the fix is simply not reused once.
"""

from __future__ import annotations

import hashlib
from typing import Any, Dict, List

import numpy as np
import scipy.sparse

from actions import jsonschema_cache

_originals: Dict[str, Any] = {}


def hstack_coo(left: Any, right: Any) -> scipy.sparse.coo_matrix:
    """`scipy.sparse.hstack([left, right])` for two sparse matrices: same shape, dtype and
    entries in the same order, as a COO matrix."""
    left, right = left.tocoo(copy=False), right.tocoo(copy=False)
    if left.shape[0] != right.shape[0]:
        raise ValueError(f"blocks have {left.shape[0]} and {right.shape[0]} rows")
    dtype = np.result_type(left.dtype, right.dtype)
    columns = left.shape[1] + right.shape[1]
    index_dtype = np.int32 if max(columns, left.shape[0]) < 2**31 - 1 else np.int64
    return scipy.sparse.coo_matrix(
        (np.concatenate([left.data, right.data]).astype(dtype, copy=False),
         (np.concatenate([left.row, right.row]).astype(index_dtype, copy=False),
          np.concatenate([left.col, right.col + left.shape[1]]).astype(index_dtype,
                                                                         copy=False))),
        shape=(left.shape[0], columns))


def combine_sparse(self: Any, additional_features: Any) -> None:
    """`Features._combine_sparse_features` with `hstack_coo` (same checks and result)."""
    if self.features.shape[0] != additional_features.features.shape[0]:
        raise ValueError(
            f"Cannot combine sparse features as sequence dimensions do not "
            f"match: {self.features.shape[0]} != "
            f"{additional_features.features.shape[0]}."
        )
    self.features = hstack_coo(self.features, additional_features.features)
    self._cached_fingerprint = None


def batch_values(array_of_sparse: Any) -> List[np.ndarray]:
    """`RasaDataGenerator._scipy_matrix_to_values`: a batch's sparse matrices (one per
    message, tokens x features) as indices (message, token, feature), values and shape."""
    if array_of_sparse.number_of_dimensions == 4:  # dialogues (TED): rasa's own code
        return _originals["batch_values"](array_of_sparse)
    matrices = [x if isinstance(x, scipy.sparse.coo_matrix) else x.tocoo()
                for x in array_of_sparse]
    max_seq_len = max(x.shape[0] for x in matrices)
    indices = np.empty((sum(x.nnz for x in matrices), 3), dtype=np.int64)
    indices[:, 0] = np.repeat(np.arange(len(matrices)), [x.nnz for x in matrices])
    indices[:, 1] = np.concatenate([x.row for x in matrices])
    indices[:, 2] = np.concatenate([x.col for x in matrices])
    data = np.concatenate([x.data for x in matrices])
    shape = np.array((len(matrices), max_seq_len, matrices[0].shape[-1]))
    return [indices, data.astype(np.float32), shape.astype(np.int64)]


def features_fingerprint(self: Any) -> str:
    """`Features.fingerprint` hashing a sparse matrix's arrays instead of its text."""
    if self._cached_fingerprint is None and not self.is_dense():
        import rasa.shared.utils.io

        matrix = self.features.tocoo()
        digest = hashlib.md5(f"{matrix.shape} {matrix.dtype}".encode())
        for array in (matrix.row.astype(np.int64), matrix.col.astype(np.int64), matrix.data):
            digest.update(np.ascontiguousarray(array).tobytes())
        self._cached_fingerprint = rasa.shared.utils.io.deep_container_fingerprint(
            [self.type, self.origin, self.attribute, digest.hexdigest()])
    return _originals["fingerprint"](self)  # dense features, or the cached value


def _targets() -> Dict[str, Any]:
    from rasa.shared.nlu.training_data.features import Features
    from rasa.utils.tensorflow.data_generator import RasaDataGenerator

    return {"combine_sparse": (Features, "_combine_sparse_features", combine_sparse),
            "fingerprint": (Features, "fingerprint", features_fingerprint),
            "batch_values": (RasaDataGenerator, "_scipy_matrix_to_values",
                             staticmethod(batch_values))}


def install() -> None:
    """Install every fix in this process (idempotent)."""
    jsonschema_cache.install()
    for name, (owner, attribute, replacement) in _targets().items():
        if name not in _originals:  # as defined in the class (a staticmethod stays one)
            _originals[name] = owner.__dict__[attribute]
        setattr(owner, attribute, replacement)


def uninstall() -> None:
    jsonschema_cache.uninstall()
    for name, (owner, attribute, _) in _targets().items():
        if name in _originals:
            setattr(owner, attribute, _originals[name])
