import ArgumentParser
import CommandSupport
import Diffusion
import Imaging
import Models
import Foundation
import Pipeline
import Training

/// `orbit evaluate generator`: held-out metrics of a generator against two baselines.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate", abstract: "Measure trained models on held-out synthetic data.",
        subcommands: [EvaluateGeneratorCommand.self, EvaluateVAECommand.self, EvaluateIdentityCommand.self, EvaluateMeshCommand.self])
}

struct EvaluateGeneratorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generator",
        abstract: "PSNR, SSIM, LPIPS and identity of generated orbits against the ground truth, per elevation ring, with the "
            + "input-copy and mean-orbit baselines.")

    @Option(help: "Generator directory (default: the trained orbit-small).")
    var model: String?

    @Option(help: "The `orbit synth` dataset folder.")
    var data: String

    @Option(help: "Split to evaluate.")
    var split = DatasetSplit.test

    @Option(help: "Appearances per subject to use (0 = the neutral one only, all = every one).")
    var appearances = AppearanceChoice.index(0)

    @Option(help: "At most this many image sets.")
    var sets = 1000

    @OptionGroup var sampling: SamplingOptions

    @Option(help: "Write a ground-truth / generated sheet per set into this folder.")
    var sheets: String?

    @Flag(help: "Print the results as JSON.")
    var json = false

    func validate() throws {
        guard sets >= 1 else { throw ValidationError("--sets must be at least 1") }
    }

    func run() throws {
        guard let directory = model ?? GeneratorModel.defaultDirectory() else {
            throw CommandFailure("no generator: pass --model DIR (the trained default Weights/\(GeneratorModel.defaultName) was not found)")
        }
        let generator = try GeneratorModel.load(from: directory)
        let dataset = try SynthImageSets(root: data)
        let held = try dataset.imageSets(split: split.rawValue).filter { appearances.includes($0.appearance) }
        guard !held.isEmpty else { throw CommandFailure("\(data): no '\(split.rawValue)' image sets with appearance \(appearances)") }
        var evaluation = try GeneratorEvaluation(model: generator)
        sampling.apply(to: &evaluation.settings)
        let (steps, sampler) = (sampling.steps, sampling.sampler)
        let chosen = Array(held.prefix(sets))
        let results = try evaluation.run(sets: chosen, trainingSets: try dataset.imageSets(split: "train"), sheets: sheets) {
            FileHandle.standardError.write(($0 + "\n").data(using: .utf8)!)
        }
        if json {
            try printJSON(["model": directory, "weights": generator.provenance, "data": data, "split": split.rawValue, "sets": chosen.count,
                           "steps": steps, "sampler": sampler.rawValue, "guidance": [sampling.guidanceMin, sampling.guidanceMax],
                           "input_view": GeneratorEvaluation.inputView, "methods": results.mapValues(\.json)])
            return
        }
        print("\(chosen.count) \(split.rawValue) image sets, input view \(GeneratorEvaluation.inputView), \(steps) \(sampler.rawValue) steps; "
              + "weights: \(generator.provenance)")
        func pad(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }
        print(pad("method", 15) + pad("ring", 6) + "   PSNR    SSIM   LPIPS  identity")
        for name in GeneratorEvaluation.methods {
            guard let r = results[name] else { continue }
            let rows = r.rings.keys.sorted().map { ("\($0)", r.rings[$0]!) } + [("all", r.overall)]
            for (ring, m) in rows {
                let j = m.json
                let id = (j["identity"] as? Double).map { String(format: "%.3f", $0) } ?? "-"
                print(pad(name, 15) + pad(ring, 6) + String(format: "%7.2f %7.3f %7.3f %9@", j["psnr"] as! Double,
                                                                           j["ssim"] as! Double, j["lpips"] as! Double, id))
            }
        }
    }
}

struct EvaluateVAECommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vae", abstract: "Reconstruction PSNR, SSIM and LPIPS of a VAE on held-out orbits (clips of 8 views, as generate decodes).")

    @Option(help: "The VAE folder (config.json, diffusion_pytorch_model.safetensors), e.g. Weights/orbit-small/vae.")
    var model: String

    @Option(help: "The `orbit synth` dataset folder.")
    var data: String

    @Option(help: "Split to evaluate.")
    var split = DatasetSplit.test

    @Option(help: "At most this many image sets.")
    var sets = 1000

    @Flag(help: "Print the results as JSON.")
    var json = false

    func run() throws {
        let evaluation = try VAEEvaluation(directory: model)
        let chosen = Array(try SynthImageSets(root: data).imageSets(split: split.rawValue).prefix(sets))
        let line = ProgressLine(total: chosen.count, label: "vae")
        let r = try evaluation.evaluate(chosen) { done, _ in line.update(done) }
        line.finish()
        if json {
            try printJSON(["model": model, "data": data, "split": split.rawValue, "sets": chosen.count, "views": r.views,
                           "psnr": r.psnr, "ssim": r.ssim, "lpips": r.lpips])
        } else {
            print(String(format: "%d %@ views: PSNR %.2f dB, SSIM %.3f, LPIPS %.3f", r.views, split.rawValue, r.psnr, r.ssim, r.lpips))
        }
    }
}

struct EvaluateIdentityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "identity",
        abstract: "Expression-aware identity (seed Eq. 5): held-out (subject, expression) accuracy, test-subject pair cosines and a "
            + "real-photo check, for the pretrained SFace and a fine-tuned head.")

    @Option(help: "The fine-tuned head (`orbit train identity` writes OUT/head.safetensors; default: the committed one).")
    var head: String?

    @Option(help: "The `orbit synth` dataset folder.")
    var data: String

    @Option(help: "The face feature cache (built when missing; `orbit train identity` keeps it in OUT/faces).")
    var faces: String

    @Option(help: "A real portrait for the blurred-and-rotated-copy check.")
    var realPhoto = "Data/portraits/astronaut.png"

    @Flag(help: "Print the results as JSON.")
    var json = false

    func run() throws {
        guard let head = head ?? IdentityEncoder.committedHead() else {
            throw CommandFailure("no head: pass --head FILE (the committed Weights/\(IdentityEncoder.expressionAware.rawValue) was not found)")
        }
        let tables = try IdentityTrainingJob.tables(data: data, cache: faces) { FileHandle.standardError.write(($0 + "\n").data(using: .utf8)!) }
        let photo = FileManager.default.fileExists(atPath: realPhoto) ? try ImageIO.read(realPhoto) : nil
        let models = [("pretrained", try SFace.pretrained()), ("fine_tuned", try SFace.pretrained(expressionHead: head))]
        let results = try models.map { name, model in
            (name, try IdentityEvaluation.evaluate(model, train: tables.train, heldOut: tables.heldOut, test: tables.test, realPhoto: photo))
        }
        if json {
            try printJSON(["head": head, "data": data, "classes": tables.classes, "training_faces": tables.train.count,
                           "held_out_faces": tables.heldOut.count, "test_faces": tables.test.count,
                           "methods": Dictionary(uniqueKeysWithValues: results.map { ($0.0, $0.1.json) })])
            return
        }
        print("\(tables.classes) classes; \(tables.heldOut.count) held-out views; \(tables.test.count) test-subject faces")
        print("head          class acc  subject acc  test cos: same expr  other expr  other subject  real-photo copy")
        for (name, m) in results {
            let copy = m.realPhotoCopy.map { String(format: "%.3f", $0) } ?? "-"
            print(name.padding(toLength: 12, withPad: " ", startingAt: 0)
                  + String(format: " %9.3f %12.3f %20.3f %11.3f %14.3f %16@", m.heldOutClassAccuracy, m.heldOutSubjectAccuracy,
                           m.sameExpression, m.otherExpression, m.otherSubject, String(repeating: " ", count: max(0, 16 - copy.count)) + copy))
        }
    }
}

struct EvaluateMeshCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mesh",
        abstract: "Head meshes of held-out test subjects against their ground-truth face region (Chamfer after rigid ICP, normal "
            + "consistency, F-score), for the prior, the mean code and codes fitted to the sample.")

    @Option(help: "Head model folder (default: the trained orbit-head in Weights/, or $ORBIT_HEAD).")
    var model: String?

    @Option(help: "The `orbit synth` dataset folder.")
    var data: String

    @Option(help: "Only the first N test subjects (each with all its appearances).")
    var subjects: Int?

    @Option(help: "Marching-cubes grid points along the head box's longest side.")
    var resolution = 128

    @Option(help: "Adam steps when fitting codes to a sample (the ceiling baseline).")
    var fitSteps = 150

    @Option(help: "Prior draws averaged for the prior_average method.")
    var draws = HeadReconstruction.defaultDraws

    @Option(help: "Also write every mesh there as NAME_METHOD.ply.")
    var meshes: String?

    @Option(help: "Comma-separated methods to run, of \(HeadEvaluation.methods.joined(separator: ",")) (default: all).")
    var methods: String?

    @Flag(help: "Print the results as JSON.")
    var json = false

    func run() throws {
        guard let directory = model ?? HeadModel.defaultDirectory() else {
            throw CommandFailure("no head model: pass --model DIR (the committed Weights/\(HeadModel.defaultName) was not found)")
        }
        var evaluation = HeadEvaluation(data: data, model: try HeadModel.load(from: directory), encoder: try HeadConditionEncoder.committed())
        (evaluation.subjects, evaluation.resolution, evaluation.fitting.steps, evaluation.draws) = (subjects, resolution, fitSteps, draws)
        if let methods {
            let names = methods.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            if let unknown = names.first(where: { !HeadEvaluation.methods.contains($0) }) {
                throw ValidationError("--methods: unknown method '\(unknown)' (known: \(HeadEvaluation.methods.joined(separator: ", ")))")
            }
            evaluation.selected = names
        }
        if let meshes {
            do { try FileManager.default.createDirectory(atPath: meshes, withIntermediateDirectories: true) } catch {
                throw CommandFailure("\(meshes): cannot create the folder: \(error.localizedDescription)")
            }
            evaluation.meshFolder = meshes
        }
        let report = try evaluation.run { FileHandle.standardError.write(($0 + "\n").data(using: .utf8)!) }
        if json { try printJSON(report); return }
        print("method         group       samples  L1 one-way (cm)  L2 one-way (cm)  symmetric (cm)  normals  F@1mm  F@2.5mm")
        for method in HeadEvaluation.methods {
            guard let groups = report[method] as? [String: [String: Any]] else { continue }
            for group in ["neutral", "expressive", "all"] {
                guard let m = groups[group], let n = m["samples"] as? Int else { continue }
                func v(_ key: String) -> Float { m[key] as? Float ?? .nan }
                print(method.padding(toLength: 15, withPad: " ", startingAt: 0) + group.padding(toLength: 12, withPad: " ", startingAt: 0)
                      + String(format: "%7d %16.3f %16.3f %15.3f %8.3f %6.3f %8.3f", n, v("chamfer_l1_one_way"), v("chamfer_l2_one_way"),
                               v("chamfer_symmetric"), v("normal_consistency"), v("f_score_1mm"), v("f_score_2_5mm")))
            }
        }
    }
}
