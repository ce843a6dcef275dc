"""rasa_extensions/rasa_fixes.py gives exactly what rasa's own code gives."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message

from rasa_extensions import rasa_fixes


def sparse(rows, columns, density, dtype, seed):
    return scipy.sparse.random(rows, columns, density=density, format="coo",
                               random_state=seed, dtype=dtype)


def message(seed):
    """A message as rasa's featurizers leave it: sparse features of several origins."""
    msg = Message(data={TEXT: "quels papiers faut-il ?"})
    for n, (origin, columns, dtype) in enumerate([("regex", 12, np.float64),
                                                  ("lexical", 40, np.float32),
                                                  ("words", 900, np.int64),
                                                  ("chars", 7000, np.int64)]):
        msg.add_features(Features(sparse(5, columns, 0.05, dtype, seed + n),
                                  FEATURE_TYPE_SEQUENCE, TEXT, origin))
        msg.add_features(Features(sparse(1, columns, 0.2, dtype, seed + 10 + n),
                                  FEATURE_TYPE_SENTENCE, TEXT, origin))
    return msg


def same(left, right):
    left, right = left.features, right.features
    return (left.format == right.format == "coo" and left.shape == right.shape
            and left.dtype == right.dtype and np.array_equal(left.row, right.row)
            and np.array_equal(left.col, right.col) and np.array_equal(left.data, right.data))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_combined_sparse_features_are_rasas(seed):
    expected = message(seed).get_sparse_features(TEXT)
    rasa_fixes.install()
    try:
        got = message(seed).get_sparse_features(TEXT)
    finally:
        rasa_fixes.uninstall()
    assert all(same(g, e) for g, e in zip(got, expected))


def test_mismatched_sequences_are_still_refused():
    rasa_fixes.install()
    try:
        left = Features(sparse(3, 4, 0.5, np.float32, 0), FEATURE_TYPE_SEQUENCE, TEXT, "a")
        right = Features(sparse(2, 4, 0.5, np.float32, 1), FEATURE_TYPE_SEQUENCE, TEXT, "b")
        with pytest.raises(ValueError, match="sequence dimensions do not match"):
            left.combine_with_features(right)
    finally:
        rasa_fixes.uninstall()


def test_install_is_idempotent_and_undone():
    original = Features._combine_sparse_features
    rasa_fixes.install()
    rasa_fixes.install()
    assert Features._combine_sparse_features is rasa_fixes.combine_sparse
    rasa_fixes.uninstall()
    assert Features._combine_sparse_features is original


def feature_array(seed, count):
    from rasa.utils.tensorflow.model_data import FeatureArray

    matrices = [sparse(n % 7 + 1, 300, 0.05 * (n % 3), np.float32 if n % 2 else np.int64,
                       seed + n) for n in range(count)]
    if seed % 2:
        matrices = [m.tocsr() for m in matrices]
    return FeatureArray(np.array(matrices + [None])[:-1], number_of_dimensions=3)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_batch_values_are_rasas(seed):
    from rasa.utils.tensorflow.data_generator import RasaDataGenerator

    expected = RasaDataGenerator._scipy_matrix_to_values(feature_array(seed, 40))
    rasa_fixes.install()
    try:
        got = RasaDataGenerator._scipy_matrix_to_values(feature_array(seed, 40))
    finally:
        rasa_fixes.uninstall()
    for g, e in zip(got, expected):
        assert g.dtype == e.dtype and np.array_equal(g, e)


def test_fingerprints_tell_features_apart_as_rasas_do():
    def features(matrix, origin="words"):
        return Features(matrix, FEATURE_TYPE_SEQUENCE, TEXT, origin)

    a = sparse(4, 50, 0.2, np.float32, 0)
    variants = [features(a), features(a.copy()), features(a.tocsr()), features(a, "chars"),
                features(sparse(4, 50, 0.2, np.float32, 1)),
                features(np.zeros((2, 3), dtype=np.float32))]
    expected = [f.fingerprint() for f in variants]
    rasa_fixes.install()
    try:
        variants = [features(a), features(a.copy()), features(a.tocsr()),
                    features(a, "chars"), features(sparse(4, 50, 0.2, np.float32, 1)),
                    features(np.zeros((2, 3), dtype=np.float32))]
        got = [f.fingerprint() for f in variants]
    finally:
        rasa_fixes.uninstall()
    # same equalities as rasa's fingerprints; dense features keep rasa's own
    assert [[x == y for y in got] for x in got] == [[x == y for y in expected] for x in expected]
    assert got[-1] == expected[-1]


def test_sqlite_tracker_store_pools_connections_and_writes_in_wal_mode(tmp_path):
    import asyncio
    import threading

    import sqlalchemy as sa
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    rasa_fixes.install()
    try:
        store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "t.db"))
        assert isinstance(store.engine.pool, sa.pool.QueuePool)
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL

        def converse(sender):  # from another thread too, as the webhook channels' turn loop
            tracker = DialogueStateTracker.from_events(sender, [UserUttered("bonjour")])
            asyncio.run(store.save(tracker))
            return asyncio.run(store.retrieve(sender))

        assert converse("here").latest_message.text == "bonjour"
        worker = threading.Thread(target=lambda: results.append(converse("there")))
        results = []
        worker.start()
        worker.join()
        assert results[0].latest_message.text == "bonjour"
        memory = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=":memory:")
        assert not isinstance(memory.engine.pool, sa.pool.QueuePool)  # one database only
        store.engine.dispose()
    finally:
        rasa_fixes.uninstall()
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'other.db'}")
    with engine.connect() as connection:  # uninstalled: SQLite's own default again
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    engine.dispose()


def _archive(path, members):
    import io
    import tarfile

    with tarfile.open(path, "w:gz") as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def _extract_with_fixes(archive, into):
    from rasa.engine.storage.local_model_storage import LocalModelStorage

    rasa_fixes.install()
    try:
        LocalModelStorage._extract_archive_to_directory(archive, into)
    finally:
        rasa_fixes.uninstall()


def test_model_archive_extracts_as_rasa_did(tmp_path):
    from tarsafe import TarSafe

    members = [("metadata.json", b"{}"), ("components/a/model.data", bytes(range(256)) * 50)]
    _archive(tmp_path / "model.tar.gz", members)
    with TarSafe.open(tmp_path / "model.tar.gz", "r:gz") as tar:
        tar.extractall(tmp_path / "theirs")
    _extract_with_fixes(tmp_path / "model.tar.gz", tmp_path / "ours")
    for name, data in members:
        assert (tmp_path / "ours" / name).read_bytes() == data == \
            (tmp_path / "theirs" / name).read_bytes()


@pytest.mark.parametrize("name", ["../outside.txt", "components/../../outside.txt"])
def test_a_hostile_model_archive_is_refused(tmp_path, name):
    import tarfile

    _archive(tmp_path / "model.tar.gz", [("metadata.json", b"{}"), (name, b"evil")])
    (tmp_path / "into").mkdir()
    with pytest.raises(tarfile.FilterError):
        _extract_with_fixes(tmp_path / "model.tar.gz", tmp_path / "into")
    assert not (tmp_path / "outside.txt").exists()


def test_an_absolute_member_stays_inside_the_model_folder(tmp_path):
    outside = tmp_path / "absolute-from-model.txt"
    _archive(tmp_path / "model.tar.gz", [("metadata.json", b"{}"), (str(outside), b"evil")])
    _extract_with_fixes(tmp_path / "model.tar.gz", tmp_path / "into")
    assert not outside.exists()  # the "data" filter strips the leading "/"
    assert (tmp_path / "into" / str(outside).lstrip("/")).read_bytes() == b"evil"


def _run_python(code: str) -> str:
    import subprocess
    import sys

    from tests.support.servers import PROJECT_ROOT

    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_tensorflow_and_rasa_load_without_jax():
    out = _run_python(
        "import sys\n"
        "from rasa_extensions import rasa_fixes\n"
        "rasa_fixes.install()\n"
        "import rasa.core.agent, tensorflow as tf\n"
        "print(tf.reduce_sum(tf.constant([1.0, 2.0])).numpy())\n"
        "print(any(name == 'jax' or name.startswith('jax.') for name in sys.modules\n"
        "          if sys.modules[name] is not None))\n")
    assert out.split() == ["3.0", "False"]


def test_a_forked_worker_starts_with_the_imported_objects_frozen():
    out = _run_python(
        "import gc, os\n"
        "from rasa_extensions import rasa_fixes\n"
        "rasa_fixes.install()\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    os._exit(0 if gc.get_freeze_count() > 1000 else 1)\n"
        "print(os.waitpid(pid, 0)[1])\n")
    assert out.strip() == "0"
