"""Training throughput of one flow fit against the machine's float32 GEMM peak.

Run as ``python -m benchmarks.flow_throughput [--quick] [--dims 9 36 166] [--threads 1]
[--breakdown] [--device cuda] [--forms shift-scale scale-shift]``. With ``--device cuda`` the same
step runs on the GPU (the wall time of each block waits for the device) and the peak is the GPU's
float32 GEMM rate. ``--forms`` times each coupling form at every dim in the same run (default: the
library's default, ``shift-scale``), so the two can be compared as ratios of one run.
Configuration: the paper's (6 couplings, s and t nets d -> 256 -> 256 -> d, batch 128, Adam) with
k-Lipschitz spectral normalisation and trimming (eps = 0.1) on, i.e. RobustRealNVP's training step.

Prints one JSON object per line: ``{"d", "ms_per_step", "samples_per_s", "gflops",
"peak_gflops", "fraction_of_peak", "full_width_gflops", "full_width_fraction_of_peak", ...}``.

Two FLOP counts, both of the s and t nets' matrix products, forward plus backward (3x the forward):

* ``gflops`` / ``fraction_of_peak`` count the products this implementation computes: per coupling
  and net the forward is ``2 * B * (d_kept*h + h*h + h*d_free)``, with the kept input columns and
  the transformed output rows only. The masked columns and rows multiply zeros, are not computed,
  and are not counted. This is the stricter figure.
* ``full_width_gflops`` / ``full_width_fraction_of_peak`` count the nets at the width they are
  specified with, ``d -> h -> h -> d`` (``2 * B * (d*h + h*h + h*d)``), which is what the authors'
  masked implementation computes and how the performance issue's estimate of the Table 1 flows
  (about 107 TFLOP, 240 fits) counts. The time per step is the same; only the work credited to it
  differs, by 3 % at d = 9, 12 % at d = 36 and 39 % at d = 166.

Power iteration, activations, the prior and the optimiser are overhead, not useful work in either
count. ``peak_gflops`` is the best of large square float32 GEMMs timed in the same run with the
same thread count: a few at the start and one before every block of training steps, so that both
sides of the ratio are sampled over the same span of time.

Timings are the best of several blocks of steps (and the peak the best of all GEMMs of the run,
so every ratio uses the same, highest peak): a busy machine disturbs the ratio as little as
possible. The lines are printed once every dimension has been timed.

``--breakdown`` adds ``phases_ms``: the mean time per step of each phase of a training step (power
iteration, forward of the coupling stack, loss, backward, optimiser step), timed separately over
the same number of steps. The phases add up to slightly more than ``ms_per_step`` (the timer calls
and the mean instead of the best block).
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from collections.abc import Callable

import torch

from rrnvp.coupling_layout import CouplingLayout
from rrnvp.coupling_ops import COUPLING_FORMS, FlowFunction
from rrnvp.flow import RealNVPFlow
from rrnvp.training import make_optimizer, train_step
from rrnvp.trimming import trimmed_mean

HIDDEN = 256
N_COUPLINGS = 6
BATCH = 128
TRIM_RATIO = 0.1
LIPSCHITZ_K = 1.5


def model_flops_per_step(d: int, batch: int = BATCH, hidden: int = HIDDEN) -> float:
    """Matmul FLOPs of one training step (forward + backward) that this implementation computes.

    Only the kept input columns of the first layer and the transformed output rows of the last,
    as the benchmarked flow (default masks) lays them out.
    """
    layout = CouplingLayout(d, N_COUPLINGS)
    total = 0.0
    for coupling in range(N_COUPLINGS):
        kept, free = layout.widths(coupling)
        forward_per_net = 2 * batch * (kept * hidden + hidden * hidden + hidden * free)
        total += 3.0 * 2 * forward_per_net  # fwd + bwd, s and t nets
    return total


def full_width_flops_per_step(d: int, batch: int = BATCH, hidden: int = HIDDEN) -> float:
    """Matmul FLOPs of one training step, every net counted at full width ``d -> h -> h -> d``.

    The count of the masked formulation (the authors' code), in which the first layer also
    multiplies the zeroed columns and the last also computes the masked-out rows.
    """
    forward_per_net = 2 * batch * (d * hidden + hidden * hidden + hidden * d)
    return 3.0 * 2 * N_COUPLINGS * forward_per_net


class GemmPeak:
    """Best float32 rate (GFLOP/s) of ``size x size`` matrix products, sampled during the run.

    Sampling it between the blocks of training steps (not once at the start) measures the peak
    under the same machine conditions as the steps, so a busy or throttled spell of a shared
    machine moves both sides of the ratio.
    """

    def __init__(self, size: int, device: torch.device | str = "cpu") -> None:
        generator = torch.Generator().manual_seed(0)
        self.size = size
        self.device = torch.device(device)
        self._a = torch.randn(size, size, generator=generator).to(self.device)
        self._b = torch.randn(size, size, generator=generator).to(self.device)
        self._out = torch.empty(size, size, device=self.device)
        torch.mm(self._a, self._b, out=self._out)  # warm-up
        synchronize(self.device)
        self.best_seconds = float("inf")

    def sample(self, repeats: int = 1) -> None:
        """Time ``repeats`` products, keeping the fastest seen so far."""
        for _ in range(repeats):
            started = time.perf_counter()
            torch.mm(self._a, self._b, out=self._out)
            synchronize(self.device)
            self.best_seconds = min(self.best_seconds, time.perf_counter() - started)

    @property
    def gflops(self) -> float:
        """The best rate seen so far."""
        return 2.0 * self.size**3 / self.best_seconds / 1e9


def synchronize(device: torch.device) -> None:
    """Wait for the device's queued work (a no-op on CPU), so that wall time covers it."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _benchmark_setup(
    d: int, seed: int, device: torch.device | str = "cpu", coupling_form: str = "shift-scale"
):
    generator = torch.Generator().manual_seed(seed)
    flow = (
        RealNVPFlow(
            d,
            n_couplings=N_COUPLINGS,
            hidden_features=HIDDEN,
            spectral_norm=True,
            lipschitz_k=LIPSCHITZ_K,
            coupling_form=coupling_form,
            generator=generator,
        )
        .to(device)
        .train()
    )
    optimizer = make_optimizer(flow, 3e-4)
    data = torch.rand(BATCH * 16, d, generator=generator).to(device)
    batches = [data[i * BATCH : (i + 1) * BATCH] for i in range(16)]
    return flow, optimizer, batches


def time_training_steps(
    d: int,
    n_steps: int,
    n_blocks: int,
    seed: int = 0,
    between_blocks: Callable[[], None] | None = None,
    device: torch.device | str = "cpu",
    coupling_form: str = "shift-scale",
) -> float:
    """Best over ``n_blocks`` blocks of the mean wall time (s) of ``n_steps`` training steps.

    ``between_blocks`` is called before every block (e.g. to sample the GEMM peak).
    """
    device = torch.device(device)
    flow, optimizer, batches = _benchmark_setup(d, seed, device, coupling_form)
    for i in range(5):  # warm-up
        train_step(flow, optimizer, batches[i % 16], TRIM_RATIO)
    return best_seconds_per_step(
        lambda batch: train_step(flow, optimizer, batch, TRIM_RATIO),
        batches,
        n_steps,
        n_blocks,
        between_blocks=between_blocks,
        device=device,
    )


def best_seconds_per_step(
    step: Callable[[torch.Tensor], object],
    batches: list[torch.Tensor],
    n_steps: int,
    n_blocks: int,
    between_blocks: Callable[[], None] | None = None,
    device: torch.device | str = "cpu",
) -> float:
    """Best over ``n_blocks`` blocks of the mean wall time (s) of ``n_steps`` calls of ``step``.

    Each call gets the next of ``batches`` (cycling); ``between_blocks`` is called before every
    block, and the device's queued work is waited for at both ends of a block.
    """
    device = torch.device(device)
    best = float("inf")
    for _ in range(n_blocks):
        if between_blocks is not None:
            between_blocks()
        synchronize(device)
        started = time.perf_counter()
        for i in range(n_steps):
            step(batches[i % len(batches)])
        synchronize(device)
        best = min(best, (time.perf_counter() - started) / n_steps)
    return best


PHASES = ("power_iteration", "forward", "loss", "backward", "optimizer")


def phased_step(
    flow: RealNVPFlow, optimizer: torch.optim.Optimizer, batch: torch.Tensor, trim_ratio: float
) -> list[float]:
    """:func:`rrnvp.training.train_step` spelled out, returning the seconds of each of ``PHASES``.

    Same operations in the same order as ``train_step`` on a spectrally normalised flow in
    training mode (a test checks that both give the same parameters). On a GPU each phase waits
    for the device before it is timed.
    """
    device = batch.device

    def mark() -> None:
        synchronize(device)
        marks.append(time.perf_counter())

    weights, biases = flow.stacked_parameters()
    us, vs = flow.singular_vectors()
    marks: list[float] = []
    mark()
    sigmas = flow.power_iteration()
    mark()
    z, log_det = FlowFunction.apply(
        batch, flow.spec, len(weights), sigmas, *weights, *biases, *us, *vs
    )
    mark()
    loss = trimmed_mean(-(flow.prior_log_prob(z) + log_det), trim_ratio)
    bool(torch.isfinite(loss))
    optimizer.zero_grad(set_to_none=True)
    mark()
    loss.backward()
    mark()
    optimizer.step()
    mark()
    return [b - a for a, b in zip(marks[:-1], marks[1:])]


def time_phases(
    d: int,
    n_steps: int,
    seed: int = 0,
    device: torch.device | str = "cpu",
    coupling_form: str = "shift-scale",
) -> dict[str, float]:
    """Mean milliseconds per step of each phase (``PHASES``) of a RobustRealNVP training step."""
    flow, optimizer, batches = _benchmark_setup(d, seed, device, coupling_form)
    totals = dict.fromkeys(PHASES, 0.0)
    for i in range(5):  # warm-up
        phased_step(flow, optimizer, batches[i % 16], TRIM_RATIO)
    for i in range(n_steps):
        for name, seconds in zip(PHASES, phased_step(flow, optimizer, batches[i % 16], TRIM_RATIO)):
            totals[name] += seconds
    return {name: round(seconds / n_steps * 1e3, 3) for name, seconds in totals.items()}


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description="Flow training throughput vs float32 GEMM peak")
    parser.add_argument("--dims", type=int, nargs="+", default=[9, 36, 166], help="data dims")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (1)")
    parser.add_argument("--steps", type=int, default=None, help="timed steps per dim")
    parser.add_argument("--quick", action="store_true", help="few steps: a smoke run")
    parser.add_argument(
        "--breakdown", action="store_true", help="also time each phase of a step (phases_ms)"
    )
    parser.add_argument(
        "--device", default="cpu", help="torch device: cpu (default), cuda or cuda:N"
    )
    parser.add_argument(
        "--forms",
        nargs="+",
        choices=COUPLING_FORMS,
        default=[COUPLING_FORMS[0]],
        help="coupling forms to time, each at every dim (default: the library's default form)",
    )
    args = parser.parse_args(argv)
    if args.threads < 1:
        parser.error("--threads must be >= 1")
    try:
        device = torch.device(args.device)
    except RuntimeError as exc:
        parser.error(f"--device: {exc}")
    if device.type not in ("cpu", "cuda"):
        parser.error(f"--device must be cpu, cuda or cuda:N, got {args.device!r}")
    if device.type == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda: CUDA is not available on this machine")
    torch.set_num_threads(args.threads)
    n_steps = args.steps or (10 if args.quick else 40)
    n_blocks = 2 if args.quick else 8
    peak = GemmPeak(1024 if args.quick else 2048, device)
    peak.sample(3 if args.quick else 5)
    rows = []
    for d in args.dims:
        for form in args.forms:
            seconds = time_training_steps(
                d, n_steps, n_blocks, between_blocks=peak.sample, device=device, coupling_form=form
            )
            extra: dict[str, object] = {"coupling_form": form}
            if args.breakdown:
                extra["phases_ms"] = time_phases(
                    d, n_steps * n_blocks, device=device, coupling_form=form
                )
            rows.append((d, seconds, extra))
    for d, seconds, extra in rows:  # every ratio against the best peak of the whole run
        achieved = model_flops_per_step(d) / seconds / 1e9
        full_width = full_width_flops_per_step(d) / seconds / 1e9
        print(
            json.dumps(
                {
                    "d": d,
                    "ms_per_step": round(seconds * 1e3, 3),
                    "samples_per_s": round(BATCH / seconds, 1),
                    "gflops": round(achieved, 2),
                    "peak_gflops": round(peak.gflops, 2),
                    "fraction_of_peak": round(achieved / peak.gflops, 4),
                    "full_width_gflops": round(full_width, 2),
                    "full_width_fraction_of_peak": round(full_width / peak.gflops, 4),
                    "device": str(device),
                    "threads": args.threads,
                    "steps": n_steps * n_blocks,
                    "torch": torch.__version__,
                    "machine": platform.processor() or platform.machine(),
                    **extra,
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
