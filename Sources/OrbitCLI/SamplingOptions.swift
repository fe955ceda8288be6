import ArgumentParser
import Diffusion
import Pipeline

/// How an orbit is sampled: what `orbit generate` and `orbit evaluate generator` both take.
struct SamplingOptions: ParsableArguments {
    @Option(help: "Sampling steps.")
    var steps = 25

    @Option(help: "Step rule: euler (SVD's), heun (two network calls a step) or dpm++2m.")
    var sampler = EDMSampler.Method.euler

    @Option(help: "Random seed of the sampler.")
    var seed: UInt64 = 0

    @Option(help: "Guidance scale at the input's azimuth.")
    var guidanceMin: Float = 1

    @Option(help: "Guidance scale on the far side (rises linearly with the azimuth's distance from the input).")
    var guidanceMax: Float = 2.5

    func validate() throws {
        guard steps >= 2 else { throw ValidationError("--steps must be at least 2") }
        guard guidanceMin > 0, guidanceMax > 0 else { throw ValidationError("--guidance-min and --guidance-max must be positive") }
    }

    /// Writes these choices into `settings`.
    func apply(to settings: inout GenerationSettings) {
        (settings.steps, settings.seed, settings.guidanceMin, settings.guidanceMax) = (steps, seed, guidanceMin, guidanceMax)
        settings.sampler = sampler
    }
}
