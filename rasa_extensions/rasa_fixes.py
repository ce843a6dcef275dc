"""The project's fixes to rasa 3.6's speed and memory, installed in every rasa process.

`install()` is called by `scripts/rasa_cli.py` (the way the Makefile, `make run`, `make shell`
and the tests start rasa) and by the scripts that load a model in-process. Each fix keeps
rasa's results exactly (the SQLite journal and the archive check differ in how, as said
below); the tests compare them with rasa's own code: `tests/unit/test_rasa_fixes.py`,
`test_jsonschema_cache.py`, `test_model_load.py`, `test_graph_run.py`, `test_sql_events.py`,
and `tests/integration/test_graph_run.py` with the trained model.

- `rasa_extensions.jsonschema_cache`: a JSON schema is checked against its meta-schema once, not at
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
- `load_for_prediction`: to give a model's variables their shapes before reading its weights,
  rasa's `RasaModel.load` trains it for one step on one example. That traces the whole
  training graph and creates the Adam optimizer's two slot variables per weight, which then
  stay in memory for nothing: each DIET, ResponseSelector and TED model held three times its
  weights (1.66 GB for the rasa server's process instead of 0.78 GB) and the rasa server spent
  about a minute on it at start. The fix reads the weights first; TensorFlow gives each
  variable its stored value as the prediction pass creates it, and the load then checks that
  every variable the model created was found in the file. It also traces the prediction
  function without AutoGraph's source rewriting (rasa's prediction code has no control flow
  on tensors), which halves the rest of the load time. Same predictions to the last digit.
- `save_without_optimizer`: rasa saves each model's weights with the optimizer's state (Adam's
  two slots per weight), which only a further training from this model (`--finetune`) could
  use: two thirds of the model archive (the ResponseSelector's file 285 → 95 MB), to
  compress at every training and unpack at every start. The fix saves the weights alone; a
  fine-tuning then starts Adam afresh.
- `predict_flat`: at every prediction (DIET, ResponseSelector, TED: three or four per turn)
  rasa calls its `tf.function`, which matches the dozen inputs against the function's
  signature, converts them one by one and looks the traced graph up again: about 4 ms per
  call, more than running the graph itself. Once traced, the fix converts the inputs to the
  signature's types and runs the traced graph directly.
- `graph_run.run_graph`: the prediction graphs run in order without dask, and TED is left
  out when rasa's ensemble would not pick it whatever it predicts (see that module).
- `sqlite_pragmas`, `engine_kwargs`: the SQLite tracker store (the embedded default) keeps
  its connections in a pool instead of opening and closing the file for every read and write
  (SQLAlchemy 1.4's default for SQLite files; each close of the last connection also
  checkpointed the journal to disk), and writes in WAL mode with `synchronous=NORMAL`: a
  commit no longer waits for the disk (1.7 ms → 0.02 ms here; one or two per turn), readers
  such as reports do not block the server, and the database stays consistent after a crash;
  a power cut may lose the last turns, never corrupt the file.
- `sql_events`: the SQL tracker store (SQLite and PostgreSQL) reads and counts a
  conversation's events with the same SQL conditions, without the ORM; a turn's save uses
  the count its read gave; a read on a connection a restarted database closed is tried
  again on a new one (see that module).
- `skip_jax`: TensorFlow 2.12 installs JAX and imports it (for TFLite's JAX converter, which
  rasa never uses) when it is importable: 0.85 s of every start, and about 120 MB of each rasa
  process's memory (two workers and Sanic's main process: 1266 → 1024 MB, proportional set
  size after the same 80 turns). Marked as missing, it is not imported; TensorFlow expects that.
- `freeze_objects_before_fork`: Sanic's workers (`SANIC_WORKERS` > 1) are forks of rasa's main
  process, sharing its memory until either writes a page. Python's garbage collector writes
  into every object it visits, so its first collections in a worker copied most of the pages
  of the modules imported before the fork. Objects frozen before the fork (`gc.freeze()`) are
  never visited: 1024 → 914 MB for the three processes.
- `extract_model`: rasa unpacks the model archive with `tarsafe`, which reads (and
  decompresses) the whole archive once to check its members, then again to extract them.
  Python's own tarfile "data" filter (PEP 706) refuses the same dangerous members (absolute
  paths, `..`, links leading outside, devices) as it extracts them, in one pass: 2.3 s
  instead of 3.9 s of every rasa server start.
"""

from __future__ import annotations

import gc
import hashlib
import os
import sqlite3
import sys
from typing import Any, Dict, List

import numpy as np
import scipy.sparse

from rasa_extensions import graph_run, jsonschema_cache, sql_events

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


def load_for_prediction(cls: Any, model_file_name: str, model_data_example: Any,
                        predict_data_example: Any = None, finetune_mode: bool = False,
                        *args: Any, **kwargs: Any) -> Any:
    """`RasaModel.load` for prediction: the weights read as the prediction pass creates the
    variables, instead of after a training step (see the module's docstring)."""
    from rasa.utils.tensorflow.constants import RUN_EAGERLY

    if finetune_mode or predict_data_example is None or \
            kwargs.get("config", {}).get(RUN_EAGERLY):  # training goes on: rasa's own load
        return _originals["model_load"].__func__(cls, model_file_name, model_data_example,
                                                 predict_data_example, finetune_mode,
                                                 *args, **kwargs)
    import tensorflow as tf

    model = cls(*args, **kwargs)
    model.predict_step = tf.autograph.experimental.do_not_convert(model.predict_step)
    status = model.load_weights(model_file_name)
    model.run_inference(predict_data_example)  # creates the variables, traces the function
    status.expect_partial()  # the optimizer's slots and training-only layers stay unread
    status.assert_existing_objects_matched()  # no variable left with its random start value
    return model


def save_without_optimizer(self: Any, model_file_name: str, overwrite: bool = True) -> None:
    """`RasaModel.save` leaving the optimizer out of the checkpoint."""
    own_children = type(self)._trackable_children

    def children(save_type: str = "checkpoint", **kwargs: Any) -> Dict[str, Any]:
        return {name: child for name, child in own_children(self, save_type, **kwargs).items()
                if name != "optimizer"}

    self._trackable_children = children
    try:
        self.save_weights(model_file_name, overwrite=overwrite, save_format="tf")
    finally:
        del self._trackable_children


def predict_flat(self: Any, batch_in: Any) -> Any:
    """`RasaModel._rasa_predict` calling the traced graph directly once it exists."""
    concrete = self.__dict__.get("_project_concrete_predict")
    if concrete is None or not self.prepared_for_prediction:
        outputs = _originals["rasa_predict"](self, batch_in)  # traces on the first call
        if self._tf_predict_step is not None and not self._run_eagerly:
            concrete = self._tf_predict_step.get_concrete_function()
            specs = concrete.structured_input_signature[0][0]
            self.__dict__["_project_concrete_predict"] = (concrete, specs)
        return outputs
    import tensorflow as tf
    from keras.utils import tf_utils
    from rasa.shared.constants import DIAGNOSTIC_DATA

    self._training = False
    function, specs = concrete
    if len(batch_in) != len(specs):
        raise ValueError(f"{len(batch_in)} inputs for a prediction traced with {len(specs)}")
    inputs = []
    for value, spec in zip(batch_in, specs):
        tensor = tf.convert_to_tensor(value, dtype=spec.dtype)
        if not spec.shape.is_compatible_with(tensor.shape):
            raise ValueError(f"input of shape {tensor.shape} for a prediction traced with "
                             f"{spec.shape}")
        inputs.append(tensor)
    outputs = tf_utils.sync_to_numpy_or_python_type(
        function._call_flat(inputs, function.captured_inputs))
    if DIAGNOSTIC_DATA in outputs:
        outputs[DIAGNOSTIC_DATA] = self._empty_lists_to_none_in_dict(outputs[DIAGNOSTIC_DATA])
    return outputs


def sqlite_pragmas(dbapi_connection: Any, _connection_record: Any) -> None:
    """On every new SQLite connection of SQLAlchemy: WAL journal, synchronous NORMAL."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()


def engine_kwargs(url: Any) -> Dict[str, Any]:
    """`rasa.core.tracker_store.create_engine_kwargs`, with a connection pool for an SQLite
    file (the connections are shared by threads one at a time, as the pool hands them out)."""
    import sqlalchemy

    parsed = sqlalchemy.engine.make_url(str(url))
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return {"poolclass": sqlalchemy.pool.QueuePool,
                "connect_args": {"check_same_thread": False}}
    return _originals["engine_kwargs"](url)


def extract_model(model_archive_path: Any, temporary_directory: Any) -> None:
    """`LocalModelStorage._extract_archive_to_directory`, checked and extracted in one pass."""
    import sys
    import tarfile

    if sys.platform == "win32":  # rasa's long-path handling there
        return _originals["extract_model"].__func__(model_archive_path, temporary_directory)
    from rasa.engine.storage.local_model_storage import LocalModelStorage

    with tarfile.open(model_archive_path, mode="r:gz") as tar:
        tar.extractall(temporary_directory, filter="data")
    LocalModelStorage._assert_not_rasa2_archive(temporary_directory)


def _targets() -> Dict[str, Any]:
    import rasa.core.tracker_store
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.shared.nlu.training_data.features import Features
    from rasa.utils.tensorflow.data_generator import RasaDataGenerator
    from rasa.utils.tensorflow.models import RasaModel

    return {"combine_sparse": (Features, "_combine_sparse_features", combine_sparse),
            "fingerprint": (Features, "fingerprint", features_fingerprint),
            "batch_values": (RasaDataGenerator, "_scipy_matrix_to_values",
                             staticmethod(batch_values)),
            "model_load": (RasaModel, "load", classmethod(load_for_prediction)),
            "model_save": (RasaModel, "save", save_without_optimizer),
            "rasa_predict": (RasaModel, "_rasa_predict", predict_flat),
            "graph_run": (DaskGraphRunner, "run", graph_run.run_graph),
            "engine_kwargs": (rasa.core.tracker_store, "create_engine_kwargs", engine_kwargs),
            "additional_events": (rasa.core.tracker_store.SQLTrackerStore, "_additional_events",
                                  sql_events.additional_events),
            "retrieve_events": (rasa.core.tracker_store.SQLTrackerStore, "_retrieve",
                                sql_events.retrieve_events),
            "extract_model": (LocalModelStorage, "_extract_archive_to_directory",
                              staticmethod(extract_model))}


def skip_jax() -> None:
    """TensorFlow 2.12 imports JAX (a dependency it installs) for TFLite's converter only."""
    if "jax" not in sys.modules and "tensorflow" not in sys.modules:
        sys.modules["jax"] = None  # type: ignore[assignment]  # `import jax` → ImportError


def freeze_objects_before_fork() -> None:
    """Sanic's workers are forks of rasa's main process (SANIC_WORKERS > 1)."""
    gc.freeze()


_fork_hook_registered: List[bool] = []


def install() -> None:
    """Install every fix in this process (idempotent)."""
    # rasa's telemetry (on by default) would send usage events to an outside service and, at
    # every server start, decompress the whole model archive once more to fingerprint it
    # (4 s). The project sends nothing outside; RASA_TELEMETRY_ENABLED=true turns it back on.
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    skip_jax()
    if not _fork_hook_registered:
        os.register_at_fork(before=freeze_objects_before_fork)
        _fork_hook_registered.append(True)
    jsonschema_cache.install()
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if not event.contains(Engine, "connect", sqlite_pragmas):
        event.listen(Engine, "connect", sqlite_pragmas)
    for name, (owner, attribute, replacement) in _targets().items():
        if name not in _originals:  # as defined in the class (a staticmethod stays one)
            _originals[name] = owner.__dict__[attribute]
        setattr(owner, attribute, replacement)


def uninstall() -> None:
    jsonschema_cache.uninstall()
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if event.contains(Engine, "connect", sqlite_pragmas):
        event.remove(Engine, "connect", sqlite_pragmas)
    for name, (owner, attribute, _) in _targets().items():
        if name in _originals:
            setattr(owner, attribute, _originals[name])
