"""PyOD 0.8's Keras ``VAE``, rebuilt in torch: what the authors ran on CIFAR-10.

The authors' ``trainVAECIFAR.py`` runs ``VAE(); fit(X)`` of the PyOD of their time (their
repository dates from February 2021: PyOD 0.8.6, whose ``pyod/models/vae.py`` builds a Keras
model). TensorFlow is not a dependency of this project, so :class:`KerasEraVAE` rebuilds that
model from PyOD 0.8.6's source (``pyod/models/vae.py`` and ``pyod/utils/stat_models.py`` at PyOD
commit 455b536) and the Keras 2 (TensorFlow 2) behaviour it relies on:

Network (``VAE._build_model``)
    Encoder: ``Dense(d, act)`` (the input layer: no regulariser, no dropout), then for each width
    of ``encoder_neurons`` ``Dense(width, act)`` with an L2 *activity* regulariser
    (``l2_regularizer``) followed by ``Dropout(dropout_rate)``; ``z_mean`` and ``z_log`` are
    ``Dense(latent_dim)`` (no activation) of the last hidden layer; ``z = z_mean + exp(z_log / 2)
    * eps``, ``eps ~ N(0, I)``. Decoder: ``Dense(latent_dim, act)`` (the latent input layer),
    then for each width of ``decoder_neurons`` ``Dense(width, act)`` + ``Dropout``, then
    ``Dense(d, output_activation)``. Keras' ``Dense`` defaults: Glorot-uniform weights, zero
    biases.
Loss (``VAE.vae_loss`` plus the activity losses)
    Per batch: ``mean over rows of (d * MSE_row + gamma * |KL_row - capacity|)`` with
    ``KL_row = -1/2 sum(1 + z_log - z_mean^2 - exp(z_log))``, plus, per regularised layer,
    ``l2_regularizer * sum(h^2) / batch_size`` (TensorFlow 2's Keras divides an activity
    regulariser's loss by the batch size).
Training (``VAE.fit`` and Keras' ``Model.fit``)
    Inputs standardised with the training mean and standard deviation (``preprocessing``; as
    scikit-learn's ``StandardScaler``, a constant feature is divided by 1), then shuffled
    (PyOD's ``np.random.shuffle``); Keras' ``validation_split`` keeps the first
    ``floor(n * (1 - validation_size))`` shuffled rows for training and holds the others out:
    they are never trained on (Keras only reports a loss on them, which changes nothing, so they
    are not evaluated here). Adam (Keras' ``'adam'``: lr 1e-3, betas 0.9 / 0.999, epsilon 1e-7),
    batch 32, 100 epochs, the training rows reshuffled every epoch, the last smaller batch kept;
    the model of the last epoch is used.
Score (``VAE.decision_function``)
    The Euclidean distance between the standardised input and the reconstruction of ONE latent
    draw (Keras' ``predict`` runs the sampling layer; dropout is off), computed in float64 from
    the float32 reconstruction as PyOD's ``pairwise_distances_no_broadcast`` does.

Differences from PyOD 0.8.6, all deliberate:

- PyOD 0.8 refuses ``encoder_neurons`` whose *smallest* width exceeds the number of features
  (``np.min(encoder_neurons) > n_features``); this rebuild accepts any widths (the diagnostic
  :mod:`reproduce.vae_column` uses width 128 on ODDS datasets with fewer features). On Table 2's
  128 CIFAR-10 features PyOD 0.8's defaults pass its check.
- Randomness comes from one CPU ``torch.Generator`` seeded with ``random_state``, drawn in a fixed
  order: the initial weights (layer by layer, in the order above), the shuffle before the
  hold-out, then per epoch the batch order and per batch, in the order of the forward pass, each
  dropout mask and the latent noise. PyOD 0.8 ignored its ``random_state`` (its shuffle used
  NumPy's global RNG, Keras TensorFlow's).
- Scoring draws its latent noise from a generator restored, at every call, to the state the
  generator had at the end of :meth:`KerasEraVAE.fit`: the same fitted model and the same ``X``
  give the same scores. ``X`` goes through the network in one pass and row ``i`` gets row ``i``
  of one ``(len(X), latent_dim)`` normal draw, so a row's score depends on its position in ``X``
  (and on ``len(X)``): scoring a permutation or a subset changes the scores slightly.
- Torch's Adam adds epsilon to the bias-corrected ``sqrt(v)``; TensorFlow's adds it before the bias
  correction, i.e. an epsilon of ``1e-7 / sqrt(1 - 0.999^t)`` in torch's form (3e-6 at the first
  step, 1.3e-7 after 1,000 steps). Not reproduced: it matters only where ``sqrt(v)`` is that small.

Unlike PyOD 0.8, :meth:`KerasEraVAE.fit` does not score the training data itself (the adapter of
:mod:`baselines.registry` does, through :meth:`KerasEraVAE.decision_function`). Users get the
model through ``baselines.make_baseline("vae_pyod08")``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn

from baselines.torch_loops import train_minibatches
from rrnvp.params import BOOL, Constraint, integer, integer_list, one_of, real, validate_params

#: Activations of PyOD 0.8's ``hidden_activation`` / ``output_activation`` (Keras names) that
#: the rebuild supports.
ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "relu": torch.relu,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "linear": lambda t: t,
}
#: Keras' Adam epsilon (``tf.keras.optimizers.Adam`` default), which PyOD 0.8's ``'adam'`` used.
KERAS_ADAM_EPSILON = 1e-7

#: What each parameter of :class:`KerasEraVAE` must be (checked at the start of ``fit``).
CONSTRAINTS: dict[str, Constraint] = {
    "encoder_neurons": integer_list(ge=1),
    "decoder_neurons": integer_list(ge=1),
    "latent_dim": integer(ge=1),
    "hidden_activation": one_of(*ACTIVATIONS),
    "output_activation": one_of(*ACTIVATIONS),
    "loss": one_of("mse"),
    "optimizer": one_of("adam"),
    "learning_rate": real(gt=0),
    "epochs": integer(ge=1),
    "batch_size": integer(ge=1),
    "dropout_rate": real(ge=0, lt=1),
    "l2_regularizer": real(ge=0),
    "validation_size": real(ge=0, lt=1),
    "preprocessing": BOOL,
    "gamma": real(ge=0),
    "capacity": real(ge=0),
    "random_state": integer(ge=0),
    "verbose": integer(ge=0),
}


def glorot_dense(n_in: int, n_out: int, generator: torch.Generator) -> nn.Linear:
    """``nn.Linear`` as Keras' ``Dense`` starts: Glorot-uniform weights drawn from ``generator``,
    zero biases (the global RNG is not drawn from)."""
    layer = torch.nn.utils.skip_init(nn.Linear, n_in, n_out)
    bound = math.sqrt(6.0 / (n_in + n_out))
    with torch.no_grad():
        layer.weight.uniform_(-bound, bound, generator=generator)
        layer.bias.zero_()
    return layer


def standardisation(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column means and standard deviations of ``X`` (population), a zero deviation set to 1.

    The input scaling of PyOD 0.8's ``VAE`` (``preprocessing=True``), as scikit-learn's
    ``StandardScaler``: a constant feature is centred, not divided by zero.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        The training rows.

    Returns
    -------
    mean, scale : ndarray of shape (n_features,)
    """
    X = np.asarray(X, dtype=np.float64)
    mean, scale = X.mean(axis=0), X.std(axis=0)
    scale[scale == 0] = 1.0
    return mean, scale


class KerasEraVAENetwork(nn.Module):
    """The network of PyOD 0.8's ``VAE`` (see the module docstring).

    The weights are drawn from ``generator`` layer by layer in the order of the attributes below.
    Dropout masks and the latent noise are drawn from :attr:`generator` (set by the model
    around each use; on the CPU, moved to the network's device).

    Parameters
    ----------
    n_features : int
        Input and output width ``d``.
    encoder_neurons, decoder_neurons : sequence of int
        Widths of the encoder's and the decoder's hidden layers.
    latent_dim : int
        Width of ``z``.
    hidden_activation, output_activation : str
        Keys of :data:`ACTIVATIONS`.
    dropout_rate : float
        Dropout after each hidden layer (training only).
    l2_regularizer : float
        Factor of the L2 activity loss of each encoder hidden layer.
    generator : torch.Generator
        CPU generator of the initial weights.

    Attributes
    ----------
    encoder_input : nn.Linear
        ``Dense(d, act)``.
    encoder_hidden : nn.ModuleList
        ``Dense(width, act)`` per ``encoder_neurons``, activity-regularised, each followed by
        dropout.
    z_mean, z_log : nn.Linear
        ``Dense(latent_dim)`` each.
    decoder_input : nn.Linear
        ``Dense(latent_dim, act)``.
    decoder_hidden : nn.ModuleList
        ``Dense(width, act)`` per ``decoder_neurons``, each followed by dropout.
    decoder_output : nn.Linear
        ``Dense(d, output_activation)``.
    generator : torch.Generator or None
        Source of the dropout masks and of the latent noise while the model uses the network.
    """

    def __init__(
        self,
        n_features: int,
        encoder_neurons: Sequence[int],
        decoder_neurons: Sequence[int],
        latent_dim: int,
        hidden_activation: str,
        output_activation: str,
        dropout_rate: float,
        l2_regularizer: float,
        generator: torch.Generator,
    ) -> None:
        super().__init__()
        self.hidden_activation = hidden_activation
        self.output_activation = output_activation
        self.dropout_rate = float(dropout_rate)
        self.l2_regularizer = float(l2_regularizer)
        self.generator: torch.Generator | None = None
        d = n_features
        self.encoder_input = glorot_dense(d, d, generator)
        widths = [d, *encoder_neurons]
        self.encoder_hidden = nn.ModuleList(
            glorot_dense(n_in, n_out, generator) for n_in, n_out in zip(widths[:-1], widths[1:])
        )
        self.z_mean = glorot_dense(widths[-1], latent_dim, generator)
        self.z_log = glorot_dense(widths[-1], latent_dim, generator)
        self.decoder_input = glorot_dense(latent_dim, latent_dim, generator)
        widths = [latent_dim, *decoder_neurons]
        self.decoder_hidden = nn.ModuleList(
            glorot_dense(n_in, n_out, generator) for n_in, n_out in zip(widths[:-1], widths[1:])
        )
        self.decoder_output = glorot_dense(widths[-1], d, generator)

    def _draw(self, sample: Callable[..., torch.Tensor], like: torch.Tensor) -> torch.Tensor:
        """``sample(shape)`` from :attr:`generator` (CPU), on ``like``'s device."""
        if self.generator is None:
            raise RuntimeError("KerasEraVAENetwork: set .generator before a forward pass")
        return sample(like.shape, generator=self.generator).to(like.device)

    def _dropout(self, h: torch.Tensor) -> torch.Tensor:
        """Keras' ``Dropout`` (inverted; a unit is kept where a uniform draw is >= the rate)."""
        if not self.training or self.dropout_rate == 0.0:
            return h
        keep = self._draw(torch.rand, h) >= self.dropout_rate
        return h * keep / (1.0 - self.dropout_rate)

    def forward(
        self, x: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, list[torch.Tensor]]:
        """Reconstruction of one latent draw, ``z_mean``, ``z_log`` and the activity losses (one
        per encoder hidden layer, divided by the batch size)."""
        act = ACTIVATIONS[self.hidden_activation]
        h = act(self.encoder_input(x))
        activity = []
        for layer in self.encoder_hidden:
            h = act(layer(h))
            activity.append(self.l2_regularizer * h.pow(2).sum() / len(x))
            h = self._dropout(h)
        mean, log_var = self.z_mean(h), self.z_log(h)
        z = mean + torch.exp(0.5 * log_var) * self._draw(torch.randn, mean)
        g = act(self.decoder_input(z))
        for layer in self.decoder_hidden:
            g = self._dropout(act(layer(g)))
        out = ACTIVATIONS[self.output_activation](self.decoder_output(g))
        return out, mean, log_var, activity


class KerasEraVAE:
    """PyOD 0.8.6's Keras ``VAE`` rebuilt in torch (see the module docstring); score = Euclidean
    distance between the standardised input and the reconstruction of one latent draw.

    The *inner* model the adapter drives (``fit`` / ``decision_function``, PyOD style);
    ``__init__`` only stores the settings, ``fit`` validates them. The defaults are PyOD 0.8.6's
    (and Keras' for the learning rate).

    Parameters
    ----------
    encoder_neurons : sequence of int, default=(128, 64, 32)
        Widths of the encoder's hidden layers (each activity-regularised, then dropout). PyOD 0.8
        refused widths whose smallest exceeds the number of features; any are accepted here.
    decoder_neurons : sequence of int, default=(32, 64, 128)
        Widths of the decoder's hidden layers (each followed by dropout).
    latent_dim : int, default=2
        Width of the latent space.
    hidden_activation : {"relu", "sigmoid", "tanh", "linear"}, default="relu"
        Activation of every hidden layer, the input and latent-input layers included.
    output_activation : {"relu", "sigmoid", "tanh", "linear"}, default="sigmoid"
        Activation of the output layer (PyOD 0.8's sigmoid, on standardised inputs).
    loss : {"mse"}, default="mse"
        Reconstruction loss (Keras' ``mse``, scaled by the number of features).
    optimizer : {"adam"}, default="adam"
        Keras' Adam with its defaults (betas 0.9 / 0.999, epsilon 1e-7).
    learning_rate : float, default=1e-3
        Adam's learning rate (Keras' default; PyOD 0.8 had no such parameter).
    epochs : int, default=100
        Training epochs; the last model is used.
    batch_size : int, default=32
        Mini-batch size (capped at the training rows; the last smaller batch is kept).
    dropout_rate : float, default=0.2
        Dropout after each hidden layer of encoder and decoder, in ``[0, 1)``.
    l2_regularizer : float, default=0.1
        Factor of the L2 activity regulariser of each encoder hidden layer.
    validation_size : float, default=0.1
        Fraction held out as Keras' ``validation_split``: the last
        ``n - floor(n * (1 - validation_size))`` shuffled rows are never trained on.
    preprocessing : bool, default=True
        Standardise every input with the training mean and standard deviation.
    gamma : float, default=1.0
        Weight of the KL term (beta-VAE; 1 is the plain VAE).
    capacity : float, default=0.0
        Capacity ``C`` of the KL term ``gamma * |KL - C|``.
    device : torch.device, default=cpu
        Where the network lives (every random draw is made on the CPU and moved there).
    random_state : int
        Seed of the generator of every random draw (``[0, 2**63)``).
    verbose : int, default=0
        Show a progress bar when > 0.

    Attributes
    ----------
    network_ : KerasEraVAENetwork
        The trained network (evaluation mode).
    mean_, scale_ : ndarray of shape (n_features,)
        The standardisation (``scale_`` is 1 for constant features); 0 and 1 without
        ``preprocessing``.
    validation_indices_ : ndarray of int
        Rows of the training ``X`` held out (never trained on).
    history_ : dict
        ``{"loss": mean batch loss of each epoch}``.
    score_generator_state_ : torch.Tensor
        State of the generator at the end of ``fit``; every scoring call starts from it.
    n_features_in_ : int
        Number of features seen in ``fit``.
    """

    #: Whether the KL term is ``gamma * |KL - capacity|`` (PyOD 0.8) or ``gamma * (KL -
    #: capacity)``: the two differ only where the float32 KL rounds below 0.
    _absolute_kl = True

    def __init__(
        self,
        *,
        encoder_neurons: Sequence[int] = (128, 64, 32),
        decoder_neurons: Sequence[int] = (32, 64, 128),
        latent_dim: int = 2,
        hidden_activation: str = "relu",
        output_activation: str = "sigmoid",
        loss: str = "mse",
        optimizer: str = "adam",
        learning_rate: float = 1e-3,
        epochs: int = 100,
        batch_size: int = 32,
        dropout_rate: float = 0.2,
        l2_regularizer: float = 0.1,
        validation_size: float = 0.1,
        preprocessing: bool = True,
        gamma: float = 1.0,
        capacity: float = 0.0,
        device: torch.device | str = "cpu",
        random_state: int,
        verbose: int = 0,
    ) -> None:
        self.encoder_neurons = encoder_neurons
        self.decoder_neurons = decoder_neurons
        self.latent_dim = latent_dim
        self.hidden_activation = hidden_activation
        self.output_activation = output_activation
        self.loss = loss
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.dropout_rate = dropout_rate
        self.l2_regularizer = l2_regularizer
        self.validation_size = validation_size
        self.preprocessing = preprocessing
        self.gamma = gamma
        self.capacity = capacity
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ steps (overridable)
    def _n_training_rows(self, n_samples: int) -> int:
        """Keras' ``validation_split``: the first ``floor(n * (1 - validation_size))`` rows."""
        return int(math.floor(n_samples * (1.0 - self.validation_size)))

    def _kl_term(self, kl: torch.Tensor) -> torch.Tensor:
        """``gamma * |KL - capacity|`` per row (``PyOD 0.8's vae_loss``)."""
        shifted = kl - self.capacity
        return self.gamma * (torch.abs(shifted) if self._absolute_kl else shifted)

    def _distances(self, Z: np.ndarray, reconstruction: torch.Tensor) -> np.ndarray:
        """PyOD's ``pairwise_distances_no_broadcast``: row-wise Euclidean distance in float64
        between the (float64) standardised input and the (float32) reconstruction."""
        out = reconstruction.cpu().numpy().astype(np.float64)
        return np.sqrt(np.square(out - Z).sum(axis=1))

    def _batch_loss(self, network: KerasEraVAENetwork, x: torch.Tensor) -> torch.Tensor:
        """PyOD 0.8's loss of one batch: ``mean(d * MSE_row + gamma * |KL_row - capacity|)``
        plus the activity losses (one forward pass, drawing from ``network.generator``)."""
        out, mean, log_var, activity = network(x)
        reconstruction = x.shape[1] * (out - x).pow(2).mean(dim=1)
        kl = -0.5 * (1 + log_var - mean.pow(2) - log_var.exp()).sum(dim=1)
        loss = (reconstruction + self._kl_term(kl)).mean()
        for term in activity:
            loss = loss + term
        return loss

    # ------------------------------------------------------------------ fitting
    def _validate(self) -> None:
        values = {name: getattr(self, name) for name in CONSTRAINTS}
        validate_params(CONSTRAINTS, values, caller=type(self).__name__)

    def _standardise(self, X: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore", invalid="ignore"):
            return (np.asarray(X, dtype=np.float64) - self.mean_) / self.scale_

    def _tensor(self, Z: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(np.ascontiguousarray(Z), dtype=torch.float32, device=self.device)

    def fit(self, X: np.ndarray) -> KerasEraVAE:
        """Train on ``X`` (rows = samples) as PyOD 0.8's ``VAE.fit``; returns ``self``.

        Raises
        ------
        ValueError
            On invalid parameters, an ``X`` that is not a 2-d matrix, or a ``validation_size``
            that leaves no training or no held-out row (as Keras).
        rrnvp.TrainingDivergedError
            When a batch loss is not finite.
        """
        self._validate()
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or len(X) < 1:
            raise ValueError(f"{type(self).__name__}: X must be a non-empty 2-d matrix")
        n_samples, d = X.shape
        if self.preprocessing:
            mean, scale = standardisation(X)
        else:
            mean, scale = np.zeros(d), np.ones(d)
        self.mean_, self.scale_ = mean, scale
        self.n_features_in_ = d
        generator = torch.Generator().manual_seed(int(self.random_state))
        network = KerasEraVAENetwork(
            d,
            list(self.encoder_neurons),
            list(self.decoder_neurons),
            self.latent_dim,
            self.hidden_activation,
            self.output_activation,
            self.dropout_rate,
            self.l2_regularizer,
            generator,
        ).to(self.device)

        data = self._tensor(self._standardise(X))
        order = torch.randperm(n_samples, generator=generator)  # PyOD's np.random.shuffle
        n_fit = self._n_training_rows(n_samples) if self.validation_size > 0 else n_samples
        if not 0 < n_fit <= n_samples or (self.validation_size > 0 and n_fit == n_samples):
            raise ValueError(
                f"{type(self).__name__}: {n_samples} training samples cannot be split into a "
                f"training and a held-out part with validation_size={self.validation_size} "
                "(Keras' validation_split); give more data or another validation_size"
            )
        train = data[order.to(data.device)][:n_fit]
        self.validation_indices_ = order[n_fit:].numpy()

        optimizer = torch.optim.Adam(
            network.parameters(), lr=self.learning_rate, eps=KERAS_ADAM_EPSILON
        )

        network.generator = generator
        try:
            losses = train_minibatches(
                network,
                lambda x: self._batch_loss(network, x),
                train,
                n_epochs=self.epochs,
                batch_size=self.batch_size,
                learning_rate=self.learning_rate,
                weight_decay=0.0,
                order_generator=generator,
                phase="VAE (PyOD 0.8)",
                verbose=self.verbose,
                optimizer=optimizer,
            )
        finally:
            network.generator = None
        self.history_ = {"loss": losses}
        self.score_generator_state_ = generator.get_state()
        self.network_ = network
        return self

    # ------------------------------------------------------------------ scoring
    def decision_function(self, X: np.ndarray) -> np.ndarray:
        """Distance between each standardised row and its reconstruction from one latent draw
        (higher = more anomalous); the draws restart from :attr:`score_generator_state_`.

        Raises
        ------
        ValueError
            When the model is not fitted or ``X`` has another number of features.
        """
        if not hasattr(self, "network_"):
            raise ValueError(f"{type(self).__name__}: fit the model before scoring")
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"{type(self).__name__}: X has shape {X.shape}; expected (n, "
                f"{self.n_features_in_}) as in fit"
            )
        Z = self._standardise(X)
        generator = torch.Generator()
        generator.set_state(self.score_generator_state_)
        network = self.network_
        network.eval()
        network.generator = generator
        try:
            with torch.no_grad():
                reconstruction = network(self._tensor(Z))[0]
        finally:
            network.generator = None
        return self._distances(Z, reconstruction)
