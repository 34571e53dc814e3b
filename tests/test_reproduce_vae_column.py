"""The VAE-column diagnostic: the collapse score; the Keras-era VAE is seeded and collapses."""

from __future__ import annotations

import json

import numpy as np
import pytest

from reproduce.vae_column import distance_to_mean_scores, keras_era_vae_scores, main


def _blobs(seed: int = 0, n: int = 240, d: int = 5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    scale = np.arange(1, d + 1, dtype=float)  # unequal scales: standardising matters
    X_train = rng.normal(size=(n, d)) * scale + 3.0
    normal = rng.normal(size=(60, d)) * scale + 3.0
    anomalous = rng.normal(size=(20, d)) * scale + 3.0 + 4.0 * scale
    return X_train, np.vstack([normal, anomalous]), np.r_[np.zeros(60), np.ones(20)]


def test_distance_to_mean_standardises_on_the_training_part():
    X_train = np.array([[0.0, 10.0], [2.0, 30.0], [4.0, 50.0]])  # means 2, 30; stds 1.63, 16.3
    X_test = np.array([[2.0, 30.0], [2.0 + np.sqrt(8 / 3), 30.0], [2.0, 30.0 + np.sqrt(800 / 3)]])
    np.testing.assert_allclose(distance_to_mean_scores(X_train, X_test), [0.0, 1.0, 1.0])
    constant = np.c_[X_train, np.ones(3)]  # a constant column counts as std 1, as StandardScaler
    np.testing.assert_allclose(
        distance_to_mean_scores(constant, np.c_[X_test, np.full(3, 3.0)]), [4.0, 5.0, 5.0]
    )


def test_keras_era_vae_is_seeded_and_collapses_to_the_distance_to_the_mean():
    X_train, X_test, _ = _blobs()
    first = keras_era_vae_scores(X_train, X_test, seed=3, epochs=3)
    np.testing.assert_array_equal(first, keras_era_vae_scores(X_train, X_test, seed=3, epochs=3))
    assert not np.array_equal(first, keras_era_vae_scores(X_train, X_test, seed=4, epochs=3))
    assert first.shape == (len(X_test),) and np.all(np.isfinite(first)) and np.all(first >= 0)
    # The reconstruction barely depends on the input: the scores rank test points as the
    # distance to the training mean does.
    collapsed = keras_era_vae_scores(X_train, X_test, seed=3, epochs=30)
    rank = np.argsort(np.argsort(collapsed))
    reference = np.argsort(np.argsort(distance_to_mean_scores(X_train, X_test)))
    assert np.corrcoef(rank, reference)[0, 1] > 0.9
    with pytest.raises(ValueError):
        keras_era_vae_scores(X_train, X_test[:, :3], seed=0, epochs=1)
    with pytest.raises(ValueError, match="output_activation must be"):
        keras_era_vae_scores(X_train, X_test, seed=0, epochs=1, output_activation="tanh")
    identity = keras_era_vae_scores(X_train, X_test, 3, epochs=3, output_activation="identity")
    assert not np.array_equal(identity, first)


def test_cli_prints_one_line_per_dataset_and_seed(capsys, monkeypatch, tmp_path):
    from reproduce import vae_column

    monkeypatch.setattr(vae_column, "load_split", _toy_split)
    assert (
        main(
            [
                "--datasets",
                "glass",
                "--seeds",
                "0,1",
                "--epochs",
                "1",
                "--store",
                str(tmp_path / "store"),
            ]
        )
        == 0
    )
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["dataset"], r["seed"]) for r in rows] == [("glass", 0), ("glass", 1)]
    assert all(0.0 <= r["distance_to_mean"] <= 1.0 and r["stored_vae"] is None for r in rows)
    assert all(r["activity_l2"] == 0.1 and r["output_activation"] == "sigmoid" for r in rows)


def test_cli_without_rebuild_scores_only_the_distance(capsys, monkeypatch, tmp_path):
    from reproduce import vae_column

    def refuse(*args, **kwargs):
        raise AssertionError("the rebuild must not be trained with --no-rebuild")

    monkeypatch.setattr(vae_column, "load_split", _toy_split)
    monkeypatch.setattr(vae_column, "keras_era_vae_scores", refuse)
    argv = ["--datasets", "glass", "--seeds", "0", "--no-rebuild", "--store", str(tmp_path)]
    assert main(argv) == 0
    (row,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert row["keras_era_vae"] is None and 0.0 <= row["distance_to_mean"] <= 1.0


class _Split:
    def __init__(self, seed: int):
        self.X_train, self.X_test, self.y_test = _blobs(seed)


def _toy_split(name: str, seed: int, data_dir=None, **options) -> _Split:
    return _Split(seed)


def test_the_diagnostic_keeps_its_first_computation_where_pyod_08_differs():
    """Its committed results stay reproducible: floor(0.1 n) rows held out (Keras: n - floor(0.9
    n)), the KL without |.|, the score in float32; the network is KerasEraVAE's."""
    from baselines.keras_era_vae import KerasEraVAE
    from reproduce.vae_column import _DiagnosticVAE

    diagnostic, keras = _DiagnosticVAE(random_state=0), KerasEraVAE(random_state=0)
    assert isinstance(diagnostic, KerasEraVAE)
    assert (diagnostic._n_training_rows(55), keras._n_training_rows(55)) == (50, 49)
    assert diagnostic._n_training_rows(5500) == keras._n_training_rows(5500) == 4950
    assert not diagnostic._absolute_kl and keras._absolute_kl
