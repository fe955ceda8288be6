import ArgumentParser
import CommandSupport
import Diffusion
import Foundation
import Geometry
import Imaging
import Models
import NN
import Pipeline
import Tensor

/// `orbit generate portrait.jpg --model DIR --out views/`: the portrait's orbit of views, written as a
/// views folder (DESIGN.md) that `splat fit` reads. Work happens in OUT.partial: a checkpoint after
/// every sampling step lets an interrupted run resume, and the folder is renamed into place only
/// when complete.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate the 96-view orbit of a portrait (or one ring of views) with the spatio-temporal diffusion UNet.")

    @Argument(help: "Portrait (PNG or JPEG; RGBA: alpha masks the head).")
    var portrait: String

    @Option(help: "Generator directory (default: the trained orbit-small in Weights/, or $ORBIT_GENERATOR).")
    var model: String?

    @Option(help: "Output views folder.")
    var out = "views"

    @OptionGroup var sampling: SamplingOptions

    @Option(help: "Only one ring at this elevation in degrees (with --views); default: the 96-view grid of 6 elevations.")
    var elevation: Float?

    @Option(help: "Views on the ring given by --elevation.")
    var views = 16

    @Option(help: "Frames the VAE decodes at once (memory bound).")
    var decodeChunk = 8

    @Flag(help: "Replace an existing output folder.")
    var force = false

    @Flag(help: "Start over even when OUT.partial holds a checkpoint of this job.")
    var restart = false

    @Option(help: "Stop after this many sampling steps in total, keeping the checkpoint in OUT.partial for a later run.")
    var stopAfter: Int?

    func validate() throws {
        guard views >= 1, views <= 256 else { throw ValidationError("--views must be in 1...256") }
        guard decodeChunk >= 1 else { throw ValidationError("--decode-chunk must be positive") }
        if let stopAfter, !(1..<sampling.steps).contains(stopAfter) { throw ValidationError("--stop-after must be in 1..<steps") }
        if let elevation, !(-90...90).contains(elevation) { throw ValidationError("--elevation must be in -90...90 degrees") }
    }

    func run() throws {
        guard let model = model ?? GeneratorModel.defaultDirectory() else {
            throw CommandFailure("no generator: the trained default (Weights/\(GeneratorModel.defaultName)) was not found beside "
                                 + "this binary or in the current folder; pass --model DIR or set ORBIT_GENERATOR")
        }
        let fm = FileManager.default
        if fm.fileExists(atPath: out) && !force { throw CommandFailure("\(out): already exists (pass --force to replace it)") }
        try OutputPaths.checkFolder(out)
        try OutputPaths.checkFolder(out + ".partial")
        let input = try ImageIO.read(portrait)
        let generator = try GeneratorModel.load(from: model)
        let orbit = elevation.map { OrbitView.ring(elevation: $0, count: views) } ?? OrbitView.standard
        var settings = GenerationSettings()
        sampling.apply(to: &settings)
        settings.decodeChunk = decodeChunk
        let steps = settings.steps
        var job = ViewsGeneration(generator: generator, modelPath: model)
        (job.settings, job.views) = (settings, orbit)
        var sampling: ProgressLine?, decoding: ProgressLine?, resumedAt = 0
        let outcome = try job.run(portrait: input, faces: try FaceAnalysis.pretrainedIfInstalled(), out: out, restart: restart,
                                  shouldStop: { $0 == stopAfter }) { event in
            switch event {
            case .note(let note): print("note: \(note)")
            case .resumed(let checkpoint, let step):
                resumedAt = step
                print("resuming from \(checkpoint) after step \(step) of \(steps)")
            case .sampling(let description):
                print(description)
                sampling = ProgressLine(total: steps, label: "sample", alreadyDone: resumedAt)
            case .sampled(let step): sampling?.update(step, detail: "step \(step)/\(steps)")
            case .decoded(let done):
                if decoding == nil { sampling?.finish(); decoding = ProgressLine(total: orbit.count, label: "decode") }
                decoding?.update(done)
            }
        }
        switch outcome {
        case .stopped(let step, let checkpoint):
            sampling?.finish()
            print("stopped after step \(step) of \(steps); run the same command again to resume from \(checkpoint)")
        case .finished(let seconds):
            decoding?.finish()
            print("wrote \(out): \(orbit.count) views and transforms.json in \(String(format: "%.1f", seconds)) s")
        }
    }
}
