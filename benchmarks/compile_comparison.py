"""The library's training step against a ``torch.compile``'d one (inductor, CPU), same setup.

Run as ``python -m benchmarks.compile_comparison [--dims 9 36 166] [--mode default]`` (needs a C++
compiler for inductor; about 30 s once inductor's on-disk cache holds the kernels, a minute more
before). It answers one question: would fused kernels from
``torch.compile`` get the flow step closer to the GEMM peak than the hand-written backward of
:mod:`rrnvp.coupling_ops`? The compiled step differentiates the plain-operation forward
(:func:`rrnvp.coupling_ops.flow_forward`, spectral norms ``u^T W v`` inside the graph) with
autograd; power iteration and Adam run eagerly in both. Prints one JSON object per dimension:
milliseconds per step of both, the time of the first compiled step (the compilation; short when
inductor's cache already has it), both fractions of the GEMM peak
(computed products, as ``benchmarks.flow_throughput`` counts them) and the largest relative
parameter difference after three identical steps from the same start (0 = bit-identical).

This is a comparison for a design decision, not a supported training path.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable

import torch

from benchmarks.flow_throughput import (
    TRIM_RATIO,
    GemmPeak,
    _benchmark_setup,
    best_seconds_per_step,
    model_flops_per_step,
)
from rrnvp.coupling_ops import flow_forward, spectral_divisors
from rrnvp.flow import RealNVPFlow
from rrnvp.linear import spectral_norm_estimate
from rrnvp.training import train_step
from rrnvp.trimming import trimmed_mean

N_STEPS, N_BLOCKS = 40, 5  # timed steps per block, blocks (the best block counts)


def compiled_loss(flow: RealNVPFlow, mode: str) -> Callable[..., torch.Tensor]:
    """The trimmed NLL of a batch as one compiled function of the data, vectors and parameters."""
    spec = flow.spec

    def loss(batch, us, vs, weights, biases):
        sigmas = [spectral_norm_estimate(w, u, v) for u, v, w in zip(us, vs, weights)]
        z, log_det = flow_forward(batch, weights, biases, spectral_divisors(sigmas, spec)[0], spec)
        return trimmed_mean(-(flow.prior_log_prob(z) + log_det), TRIM_RATIO)

    return torch.compile(loss, dynamic=False, mode=mode)


def compiled_step(flow, optimizer, loss_fn, batch: torch.Tensor) -> torch.Tensor:
    """Power iteration and Adam as in :func:`rrnvp.training.train_step`, the rest compiled."""
    flow.power_iteration()
    weights, biases = flow.stacked_parameters()
    us, vs = flow.singular_vectors()
    loss = loss_fn(batch, us, vs, weights, biases)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return loss.detach()


def compare(d: int, mode: str, peak: GemmPeak) -> dict[str, object]:
    """Time both steps at dimension ``d`` and compare their parameters after three steps."""
    flow, optimizer, batches = _benchmark_setup(d, seed=0)
    for batch in batches[:5]:
        train_step(flow, optimizer, batch, TRIM_RATIO)
    eager = best_seconds_per_step(
        lambda b: train_step(flow, optimizer, b, TRIM_RATIO), batches, N_STEPS, N_BLOCKS
    )

    flow_c, optimizer_c, _ = _benchmark_setup(d, seed=0)
    loss_fn = compiled_loss(flow_c, mode)
    started = time.perf_counter()
    compiled_step(flow_c, optimizer_c, loss_fn, batches[0])
    compile_seconds = time.perf_counter() - started
    for batch in batches[1:5]:
        compiled_step(flow_c, optimizer_c, loss_fn, batch)
    compiled = best_seconds_per_step(
        lambda b: compiled_step(flow_c, optimizer_c, loss_fn, b), batches, N_STEPS, N_BLOCKS
    )
    peak.sample(3)

    flow_a, optimizer_a, _ = _benchmark_setup(d, seed=0)
    flow_b, optimizer_b, _ = _benchmark_setup(d, seed=0)
    loss_b = compiled_loss(flow_b, mode)
    for batch in batches[:3]:
        train_step(flow_a, optimizer_a, batch, TRIM_RATIO)
        compiled_step(flow_b, optimizer_b, loss_b, batch)
    difference = max(
        float((a - b).abs().max() / a.abs().max())
        for a, b in zip(flow_a.state_dict().values(), flow_b.state_dict().values())
    )
    flops = model_flops_per_step(d)
    return {
        "d": d,
        "mode": mode,
        "eager_ms_per_step": round(eager * 1e3, 3),
        "compiled_ms_per_step": round(compiled * 1e3, 3),
        "first_compiled_step_s": round(compile_seconds, 1),
        "eager_fraction_of_peak": round(flops / eager / 1e9 / peak.gflops, 4),
        "compiled_fraction_of_peak": round(flops / compiled / 1e9 / peak.gflops, 4),
        "max_relative_parameter_difference": difference,
    }


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dims", type=int, nargs="+", default=[9, 36, 166], help="data dims")
    parser.add_argument(
        "--mode", default="default", help="torch.compile mode (default, max-autotune-no-cudagraphs)"
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    peak = GemmPeak(2048)
    peak.sample(5)
    for d in args.dims:
        print(json.dumps(compare(d, args.mode, peak)), flush=True)


if __name__ == "__main__":
    main()
