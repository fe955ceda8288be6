import Diffusion
import Foundation
import Geometry
import Imaging
import Models
import NN
import Tensor

/// A portrait's orbit of views written as a views folder (DESIGN.md) that `splat fit` reads: what
/// `orbit generate` and `orbit reconstruct` run. Work happens in OUT.partial: a checkpoint after
/// every sampling step lets an interrupted run resume, and the folder is renamed into place only
/// when complete.
public struct ViewsGeneration {
    public let generator: GeneratorModel
    /// Where the generator was loaded from (part of the job's identity).
    public let modelPath: String
    public var settings = GenerationSettings()
    public var views = OrbitView.standard

    public init(generator: GeneratorModel, modelPath: String) { (self.generator, self.modelPath) = (generator, modelPath) }

    /// What happens, in order, for the command to show.
    public enum Event {
        /// Something decided on the user's behalf (framing, a missing encoder).
        case note(String)
        case resumed(checkpoint: String, afterStep: Int)
        case sampling(description: String)
        case sampled(step: Int)
        case decoded(views: Int)
    }

    public enum Outcome {
        case finished(seconds: Double)
        /// Stopped after this sampling step; the checkpoint in OUT.partial resumes it.
        case stopped(afterStep: Int, checkpoint: String)
    }

    /// Generates `out` (which must not exist). `restart` ignores a checkpoint; `shouldStop(step)` is
    /// asked after each sampling step (checkpointed) whether to stop there.
    public func run(portrait: Image, faces: FaceAnalysis?, out: String, restart: Bool = false,
                    shouldStop: @escaping (Int) -> Bool = { _ in false }, event: @escaping (Event) -> Void = { _ in }) throws -> Outcome {
        let fm = FileManager.default, started = Date()
        let identityEncoder = generator.configuration.identityDim == nil ? nil
            : try WeightStore.ifInstalled { try generator.configuration.identityEncoder.load() }
        let prepared = PreparedPortrait(portrait, resolution: generator.configuration.resolution, faces: faces)
        for note in prepared.notes { event(.note(note)) }
        if generator.configuration.identityDim != nil && identityEncoder == nil && prepared.alignedFace != nil {
            event(.note("the identity encoder's weights are missing (`orbit setup`, Weights/): no identity token"))
        }
        let conditions = generator.conditions(for: prepared, identityEncoder: identityEncoder, settings: settings)

        let staging = out + ".partial"
        try fm.createDirectory(atPath: staging, withIntermediateDirectories: true)
        let checkpoint = GenerationCheckpoint(path: staging + "/checkpoint.safetensors", fingerprint: fingerprint(prepared))
        let resume = restart ? nil : checkpoint.load()
        // Only this job's checkpoint stays: anything else in OUT.partial (another job's images, a user's
        // files) would otherwise be renamed into the output with it.
        for name in try fm.contentsOfDirectory(atPath: staging) where !(resume != nil && staging + "/" + name == checkpoint.path) {
            try fm.removeItem(atPath: staging + "/" + name)
        }
        do {
            return try sampleAndWrite(prepared, conditions: conditions, checkpoint: checkpoint, resume: resume, staging: staging, out: out,
                                      started: started, shouldStop: shouldStop, event: event)
        } catch {
            if (try? fm.contentsOfDirectory(atPath: staging))?.isEmpty == true { try? fm.removeItem(atPath: staging) }
            throw error
        }
    }

    /// Samples (from `resume` when given), decodes and writes the views folder through `staging`.
    func sampleAndWrite(_ prepared: PreparedPortrait, conditions: GeneratorConditions, checkpoint: GenerationCheckpoint,
                        resume: EDMSampler.State?, staging: String, out: String, started: Date,
                        shouldStop: @escaping (Int) -> Bool, event: @escaping (Event) -> Void) throws -> Outcome {
        let fm = FileManager.default, steps = settings.steps
        if let resume { event(.resumed(checkpoint: checkpoint.path, afterStep: resume.done)) }
        event(.sampling(description: "generating \(views.count) views at \(generator.configuration.resolution) px, \(steps) steps, "
                        + "weights: \(generator.provenance)"))
        var stoppedAt: Int?
        let latents = generator.sampleOrbit(conditions, views: views, settings: settings, resume: resume, progress: { state in
            guard stoppedAt == nil else { return }
            do { try checkpoint.save(state) } catch { event(.note("cannot write checkpoint: \(error)")) }
            event(.sampled(step: state.done))
            if state.done < steps && shouldStop(state.done) { stoppedAt = state.done }
        }, shouldStop: { stoppedAt != nil })
        if let stoppedAt { return .stopped(afterStep: stoppedAt, checkpoint: checkpoint.path) }
        let rgb = generator.decodeViews(latents, chunk: settings.decodeChunk) { done, _ in event(.decoded(views: done)) }

        // The head mask: the generated views are on white, like the training renders.
        let images = rgb.map { BackgroundMask(of: $0, tolerance: 0.06).withAlpha() }
        try ViewsFolder.write(images: images, views: views, rig: OrbitRig(), into: staging)
        try ImageIO.write(prepared.view, to: staging + "/input.png")
        try fm.removeItem(atPath: checkpoint.path)
        if fm.fileExists(atPath: out) { try fm.removeItem(atPath: out) }
        try fm.moveItem(atPath: staging, toPath: out)
        return .finished(seconds: Date().timeIntervalSince(started))
    }

    /// Identifies the job, so a checkpoint is only resumed by the same portrait, model and settings.
    func fingerprint(_ prepared: PreparedPortrait) -> String {
        var h = FNV1a()
        func mix<T>(_ value: T) { h.add(raw: value) }
        let s = settings
        for p in prepared.view.pixels { mix(p) }
        for v in views { mix(v.elevation); mix(v.azimuth) }
        mix(s.steps); for b in s.sampler.rawValue.utf8 { mix(b) }; mix(s.seed); mix(s.guidanceMin); mix(s.guidanceMax); mix(s.conditioningAugmentation)
        for b in (generator.provenance + modelPath).utf8 { mix(b) }
        mix(generator.parameterCount)
        return String(format: "%016llx", h.value)
    }
}

/// The sampler's state after a step, with the job's fingerprint.
struct GenerationCheckpoint {
    let path: String
    let fingerprint: String

    func save(_ state: EDMSampler.State) throws {
        let tensors = [("sample", state.sample)] + (state.previousDenoised.map { [("previous_denoised", $0)] } ?? [])
        try SafeTensors.write(tensors, metadata: ["fingerprint": fingerprint, "steps_done": "\(state.done)"], to: path)
    }

    /// The saved state when it belongs to this job.
    func load() -> EDMSampler.State? {
        guard FileManager.default.fileExists(atPath: path), let file = try? SafeTensorsFile(path: path),
              file.metadata["fingerprint"] == fingerprint, let done = file.metadata["steps_done"].flatMap(Int.init),
              let sample = try? file.tensor("sample") else { return nil }
        let previous = file.entries["previous_denoised"] == nil ? nil : try? file.tensor("previous_denoised").contiguous()
        return EDMSampler.State(done: done, sample: sample.contiguous(), previousDenoised: previous)
    }
}
