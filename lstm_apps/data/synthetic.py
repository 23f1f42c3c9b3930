"""SYNTHETIC vehicle-engine signals and engine-out NOx, for the `engine_nox` case study.

Renault has described LSTMs that read engine signals (torque, engine speed,
coolant temperature, gear) and predict NOx emissions. Their data are not
public, so this module makes up data of the same shape with a small, seeded
physical model. Nothing here is measured: every array is SYNTHETIC.

The simulator, one sample per second:

1. Drive cycle. Random speed traces shaped like the four phases of the WLTC
   (low, medium, high and extra-high speed): stops, accelerations, cruises
   with a little wander and decelerations, whose speeds, rates and durations
   depend on the phase (`WLTC_PHASES`).
2. Driveline. Gear from speed through fixed up-shift speeds (neutral when
   stopped); engine speed from wheel speed, gear ratio and final drive,
   never below idle; engine torque from the road load (inertia, rolling
   resistance and aerodynamic drag) through wheel radius and gear ratio,
   plus the accessories' torque, with engine braking on overrun.
3. Coolant. A cold start at ambient temperature, then a first-order approach
   to the operating temperature whose time constant shrinks with power.
4. NOx. A steady-state map that grows with power, load and a cold engine and
   falls with engine speed, multiplied by a transient term driven by how far
   torque has risen above its own lagged value (turbocharger and EGR lag),
   then passed through a first-order analyser lag and log-normal noise. The
   two lags make NOx depend on the recent history, not only on the present.

Every parameter lives in `EngineSimulatorConfig`. Same seed, same data.

Example:
    >>> cycle = simulate_cycle(EngineSimulatorConfig(cycle_seconds=600), seed=0)
    >>> cycle["nox_mg_s"].shape
    (600,)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np

from lstm_apps.checks import check_int, check_positive, check_rate
from lstm_apps.models.size import check_memory

FEATURES = ("speed_kmh", "engine_rpm", "torque_nm", "coolant_c", "gear")
TARGET = "nox_mg_s"
GRAVITY = 9.81  # m/s²
# a simulated second: its signals (float64) and features, and the Python lists of the
# speed trace while a cycle is drawn (measured: about 140 at the peak of one cycle)
BYTES_PER_SIMULATED_SECOND = 200


@dataclass(frozen=True)
class PhaseProfile:
    """How one WLTC-like phase drives (all ranges are drawn uniformly)."""

    share: float  # fraction of the cycle's duration (the WLTC class-3 split)
    speed_kmh: tuple[float, float]  # range of the cruise speeds aimed at
    cruise_s: tuple[int, int]  # range of cruise durations, seconds
    stop_s: tuple[int, int]  # range of standstill durations, seconds
    accel: tuple[float, float]  # range of acceleration rates, m/s²
    decel: tuple[float, float]  # range of deceleration rates, m/s²
    stop_probability: float  # chance that a cruise ends in a stop


WLTC_PHASES = {
    "low": PhaseProfile(589 / 1800, (15, 50), (5, 30), (10, 40), (0.5, 1.2), (0.5, 1.0), 0.7),
    "medium": PhaseProfile(433 / 1800, (30, 75), (10, 50), (5, 25), (0.4, 1.0), (0.5, 1.0), 0.4),
    "high": PhaseProfile(455 / 1800, (50, 95), (20, 80), (5, 15), (0.3, 0.8), (0.4, 0.9), 0.2),
    "extra_high": PhaseProfile(
        323 / 1800, (90, 130), (30, 120), (5, 10), (0.2, 0.6), (0.3, 0.8), 0.1
    ),
}


@dataclass(frozen=True)
class EngineSimulatorConfig:
    """Every parameter of the SYNTHETIC engine simulator (defaults: a diesel car)."""

    cycle_seconds: int = 1800  # samples per cycle (1 Hz), shared among phases by their WLTC shares
    phases: tuple[str, ...] = ("low", "medium", "high", "extra_high")  # phases, in driving order
    mass_kg: float = 1500.0  # vehicle mass with driver
    rotating_mass_factor: float = 0.05  # extra equivalent mass of wheels and driveline
    rolling_coefficient: float = 0.011  # rolling-resistance coefficient
    drag_area_m2: float = 0.70  # drag coefficient times frontal area
    air_density: float = 1.2  # kg/m³
    wheel_radius_m: float = 0.31  # dynamic wheel radius
    final_drive: float = 3.9  # final-drive ratio
    gear_ratios: tuple[float, ...] = (3.6, 2.1, 1.4, 1.0, 0.8, 0.65)  # gearbox ratios, 1st first
    upshift_kmh: tuple[float, ...] = (15.0, 28.0, 42.0, 58.0, 75.0)  # speeds where gears 2.. begin
    driveline_efficiency: float = 0.92  # gearbox and final-drive efficiency
    idle_rpm: float = 800.0  # engine speed at idle (and the floor while the clutch slips)
    max_rpm: float = 4500.0  # engine speed limit
    max_torque_nm: float = 320.0  # full-load torque
    accessory_torque_nm: float = 12.0  # torque drawn by accessories (idle torque)
    motoring_torque_nm: float = 40.0  # largest engine-braking torque on overrun
    rated_power_kw: float = 100.0  # power that scales the coolant warm-up
    ambient_c: tuple[float, float] = (0.0, 25.0)  # range of cold-start (ambient) temperatures
    operating_c: float = 90.0  # thermostat temperature
    warmup_tau_s: float = 700.0  # coolant time constant at idle
    warmup_load_gain: float = 6.0  # how much power speeds up the warm-up
    idle_nox_mg_s: float = 0.4  # NOx at idle, warm engine
    nox_per_kw: float = 0.6  # NOx per kW**nox_power_exponent, mg/s
    nox_power_exponent: float = 1.15  # curvature of NOx against power
    load_boost: float = 0.8  # extra NOx at high load (times load²)
    reference_rpm: float = 1500.0  # engine speed where the speed factor is 1
    rpm_exponent: float = 0.35  # NOx falls as (reference_rpm / rpm) ** rpm_exponent
    cold_gain: float = 0.6  # extra NOx with a cold engine (EGR held closed)
    boost_tau_s: float = 4.0  # lag of the air path behind torque (turbo and EGR)
    transient_gain: float = 4.0  # extra NOx per unit of torque rise above its lagged value
    analyser_tau_s: float = 1.5  # first-order lag of the NOx measurement
    noise_std: float = 0.04  # log-normal measurement noise (about 4 %)

    def __post_init__(self):
        check_int("cycle_seconds", self.cycle_seconds, 10 * len(self.phases))  # 10 s per phase
        if not isinstance(self.phases, tuple) or not self.phases:
            raise ValueError(
                "`phases` must be a non-empty tuple of phase names. "
                f"Received: phases={self.phases!r}"
            )
        for phase in self.phases:
            if phase not in WLTC_PHASES:
                raise ValueError(
                    f"Unknown phase {phase!r} in `phases`; expected names from "
                    f"{tuple(WLTC_PHASES)}. Received: phases={self.phases!r}"
                )
        for name in ("mass_kg", "drag_area_m2", "air_density", "wheel_radius_m", "final_drive",
                     "driveline_efficiency", "idle_rpm", "max_rpm", "max_torque_nm",
                     "rated_power_kw", "warmup_tau_s", "idle_nox_mg_s", "reference_rpm",
                     "boost_tau_s", "analyser_tau_s"):  # fmt: skip
            value = getattr(self, name)
            if not isinstance(value, Real) or not value > 0:
                raise ValueError(f"`{name}` must be positive. Received: {name}={value!r}")
        if len(self.upshift_kmh) != len(self.gear_ratios) - 1:
            raise ValueError(
                "`upshift_kmh` needs one speed per gear after the first "
                f"({len(self.gear_ratios) - 1}). Received: upshift_kmh={self.upshift_kmh!r}"
            )
        if np.any(np.diff(self.upshift_kmh) <= 0):
            raise ValueError(
                f"`upshift_kmh` must increase. Received: upshift_kmh={self.upshift_kmh!r}"
            )
        check_rate("noise_std", self.noise_std)

    def phase_seconds(self) -> list[int]:
        """Seconds of each phase: the WLTC shares, rescaled to `cycle_seconds`."""
        shares = np.array([WLTC_PHASES[p].share for p in self.phases])
        ends = np.round(np.cumsum(shares) / shares.sum() * self.cycle_seconds).astype(int)
        return np.diff(ends, prepend=0).tolist()


def _ramp(start, end, rate):
    """Speeds (m/s) of the seconds spent going from `start` to `end` at `rate` m/s²."""
    steps = max(1, math.ceil(abs(end - start) / rate))
    return list(np.linspace(start, end, steps + 1)[1:])


def drive_cycle(config: EngineSimulatorConfig, rng: np.random.Generator) -> np.ndarray:
    """A random speed trace (m/s, one value per second) made of the configured phases."""
    trace, v = [], 0.0
    for name, seconds in zip(config.phases, config.phase_seconds()):
        p, phase = WLTC_PHASES[name], []
        while len(phase) < seconds:
            if v == 0.0:
                phase += [0.0] * int(rng.integers(p.stop_s[0], p.stop_s[1] + 1))
            target = rng.uniform(*p.speed_kmh) / 3.6
            phase += _ramp(v, target, rng.uniform(*(p.accel if target > v else p.decel)))
            wander = np.zeros(int(rng.integers(p.cruise_s[0], p.cruise_s[1] + 1)))
            for t in range(1, len(wander)):
                wander[t] = 0.9 * wander[t - 1] + 0.15 * rng.standard_normal()
            phase += list(np.maximum(target + wander, 0.5))
            v = phase[-1]
            if rng.random() < p.stop_probability:
                phase += _ramp(v, 0.0, rng.uniform(*p.decel))
                v = 0.0
        trace += phase[:seconds]
        v = trace[-1]
    speed = np.convolve(np.pad(trace, 1, mode="edge"), [0.25, 0.5, 0.25], mode="valid")
    return np.where(speed < 0.1, 0.0, speed)


def select_gear(speed_kmh, config: EngineSimulatorConfig) -> np.ndarray:
    """Gear 1..n from speed through the up-shift speeds; 0 (neutral) below 0.5 km/h."""
    gear = 1 + np.searchsorted(config.upshift_kmh, speed_kmh, side="right")
    return np.where(np.asarray(speed_kmh) < 0.5, 0, gear)


def _overall_ratio(gear, config):
    ratios = np.asarray((1.0,) + tuple(config.gear_ratios))
    return config.final_drive * ratios[gear]


def engine_speed(speed, gear, config: EngineSimulatorConfig) -> np.ndarray:
    """Engine speed (rpm) from vehicle speed (m/s) and gear, kept within [idle, max]."""
    wheel = np.asarray(speed) / config.wheel_radius_m  # rad/s
    rpm = wheel * _overall_ratio(gear, config) * 60 / (2 * np.pi)
    return np.clip(np.where(gear == 0, config.idle_rpm, rpm), config.idle_rpm, config.max_rpm)


def engine_torque(speed, gear, config: EngineSimulatorConfig) -> np.ndarray:
    """Engine torque (N·m) that the road load asks for at each second (speed in m/s)."""
    c = config
    accel = np.gradient(speed)
    moving = speed > 0
    force = (
        c.mass_kg * (1 + c.rotating_mass_factor) * accel
        + c.mass_kg * GRAVITY * c.rolling_coefficient * moving
        + 0.5 * c.air_density * c.drag_area_m2 * speed**2
    )
    wheel_torque = force * c.wheel_radius_m
    ratio = _overall_ratio(gear, c)
    driving = wheel_torque / (ratio * c.driveline_efficiency)
    overrun = np.maximum(wheel_torque * c.driveline_efficiency / ratio, -c.motoring_torque_nm)
    torque = np.where(wheel_torque >= 0, driving, overrun) + c.accessory_torque_nm
    torque = np.where(gear == 0, c.accessory_torque_nm, torque)
    return np.clip(torque, -c.motoring_torque_nm, c.max_torque_nm)


def engine_power_kw(torque, rpm) -> np.ndarray:
    """Positive brake power (kW) from torque (N·m) and engine speed (rpm)."""
    return np.maximum(torque, 0.0) * rpm * 2 * np.pi / 60 / 1000


def coolant_temperature(power_kw, ambient_c, config: EngineSimulatorConfig) -> np.ndarray:
    """Coolant temperature (°C) warming from `ambient_c`, faster under power."""
    c = config
    tau = c.warmup_tau_s / (1 + c.warmup_load_gain * power_kw / c.rated_power_kw)
    step = 1 - np.exp(-1 / tau)
    temperature, current = np.empty(len(power_kw)), float(ambient_c)
    for t, k in enumerate(step):
        current += (c.operating_c - current) * k
        temperature[t] = current
    return temperature


def _first_order_lag(signal, tau):
    """Discrete first-order lag (1 s steps) that starts at the signal's first value."""
    k = 1 - math.exp(-1 / tau)
    out, current = np.empty(len(signal)), float(signal[0])
    for t, value in enumerate(signal):
        current += (value - current) * k
        out[t] = current
    return out


def engine_out_nox(rpm, torque, coolant_c, rng, config: EngineSimulatorConfig) -> np.ndarray:
    """Measured engine-out NOx (mg/s): steady map x transient term, lagged, with noise."""
    c = config
    power = engine_power_kw(torque, rpm)
    load = np.clip(torque / c.max_torque_nm, 0.0, 1.0)
    cold = np.clip((c.operating_c - coolant_c) / (c.operating_c - 20.0), 0.0, 1.0)
    steady = c.idle_nox_mg_s + c.nox_per_kw * power**c.nox_power_exponent * (
        1 + c.load_boost * load**2
    ) * (c.reference_rpm / rpm) ** c.rpm_exponent * (1 + c.cold_gain * cold)
    air_path = _first_order_lag(torque, c.boost_tau_s)
    rise = np.maximum(torque - np.r_[air_path[0], air_path[:-1]], 0.0) / c.max_torque_nm
    measured = _first_order_lag(steady * (1 + c.transient_gain * rise), c.analyser_tau_s)
    return measured * np.exp(c.noise_std * rng.standard_normal(len(measured)))


def simulate_cycle(config: EngineSimulatorConfig = EngineSimulatorConfig(), seed=0) -> dict:
    """Simulate one SYNTHETIC drive cycle with a cold start.

    Args:
        config: the simulator's parameters, default `EngineSimulatorConfig()`.
        seed: an int or a `numpy.random.SeedSequence`; default 0.

    Returns:
        A dict of `(cycle_seconds,)` arrays: "time_s", "speed_kmh", "gear",
        "engine_rpm", "torque_nm", "coolant_c", "nox_mg_s" and "power_kw".

    Raises:
        TypeError: if `config` is not an `EngineSimulatorConfig` or `seed`
            is not an int or a SeedSequence.
    """
    if not isinstance(config, EngineSimulatorConfig):
        raise TypeError(
            f"`config` must be an EngineSimulatorConfig. Received: {type(config).__name__}"
        )
    if isinstance(seed, bool) or not isinstance(seed, (Integral, np.random.SeedSequence)):
        raise TypeError(f"`seed` must be an int or a SeedSequence. Received: seed={seed!r}")
    rng = np.random.default_rng(seed)
    speed = drive_cycle(config, rng)
    gear = select_gear(speed * 3.6, config)
    rpm = engine_speed(speed, gear, config)
    torque = engine_torque(speed, gear, config)
    power = engine_power_kw(torque, rpm)
    coolant = coolant_temperature(power, rng.uniform(*config.ambient_c), config)
    return {
        "time_s": np.arange(len(speed), dtype="float64"),
        "speed_kmh": speed * 3.6,
        "gear": gear,
        "engine_rpm": rpm,
        "torque_nm": torque,
        "coolant_c": coolant,
        "nox_mg_s": engine_out_nox(rpm, torque, coolant, rng, config),
        "power_kw": power,
    }


def simulate_cycles(num_cycles, seed=0, config=EngineSimulatorConfig()) -> list[dict]:
    """`num_cycles` SYNTHETIC cycles with independent seeds spawned from `seed`.

    Raises:
        ValueError: if `num_cycles` is not a positive integer, or the cycles
            would take more than half of the free memory.
    """
    check_positive("num_cycles", num_cycles)
    check_memory(
        num_cycles * config.cycle_seconds * BYTES_PER_SIMULATED_SECOND,
        what="simulated cycles",
        sizes=dict(num_cycles=num_cycles, cycle_seconds=config.cycle_seconds),
    )
    children = np.random.SeedSequence(seed).spawn(int(num_cycles))
    return [simulate_cycle(config, child) for child in children]


def cycle_arrays(cycle: dict) -> tuple[np.ndarray, np.ndarray]:
    """`(features, target)` of a cycle: a `(T, 5)` float32 array (FEATURES) and `(T,)` NOx."""
    features = np.stack([cycle[name] for name in FEATURES], axis=1).astype("float32")
    return features, cycle[TARGET].astype("float32")
