import ArgumentParser
import CommandSupport
import Foundation
import Imaging
import Synth
import Tensor

/// `orbit synth`: the synthetic digital-humans dataset (ICT-FaceKit heads with hair, beards,
/// accessories and a bust, rendered as 96-view orbits), or `--preview`, a contact sheet of random
/// subjects. Each image set is staged and renamed into place when complete; rerunning the same
/// command resumes after the last finished one.
struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Render the synthetic digital-humans dataset (96-view orbits, meshes, parameters, signed distances).")

    @Option(help: "Subjects (different people).")
    var subjects = 10

    @Option(help: "Appearances per subject (expressions, the last with an accessory).")
    var appearances = 10

    @Option(help: "View size in pixels.")
    var resolution = 512

    @Option(help: "Random seed: same seed, same bytes.")
    var seed: UInt64 = 0

    @Option(help: "Output folder (the dataset), or with --preview the contact sheet PNG.")
    var out = "synth"

    @Option(help: "Signed-distance samples near the surface per image set (volume samples: a quarter of it).")
    var sdfSamples = 40_000

    @Option(help: "The ICT-FaceKit safetensors (default: $ORBIT_FACEKIT or Data/ict-facekit/ in the checkout).")
    var facekit: String?

    @Flag(help: "Write a contact sheet of 16 random subjects at 4 azimuths to --out instead of a dataset.")
    var preview = false

    @Flag(help: "With --preview: replace an existing contact sheet. (A dataset folder is resumed, never replaced.)")
    var force = false

    func validate() throws {
        guard subjects >= 1, appearances >= 1, appearances <= 100 else { throw ValidationError("--subjects >= 1 and --appearances in 1...100") }
        guard (16...4096).contains(resolution) else { throw ValidationError("--resolution must be in 16...4096") }
        guard sdfSamples >= 4 else { throw ValidationError("--sdf-samples must be at least 4") }
    }

    func run() throws {
        // The output is checked before any work.
        let sheetPath = out.hasSuffix(".png") ? out : out + ".png"
        if preview { try OutputPaths.checkFiles([sheetPath], force: force) } else { try OutputPaths.checkFolder(out) }
        let kit = try FaceKit(path: facekit ?? FaceKit.defaultPath)
        var dataset = SynthDataset(kit: kit, subjects: subjects, appearances: appearances, resolution: resolution, seed: seed)
        dataset.surfaceSamples = sdfSamples
        dataset.volumeSamples = max(1, sdfSamples / 4)
        if preview {
            let folder = OutputPaths.folder(of: sheetPath)
            let created = try OutputPaths.create(folder.isEmpty ? "." : folder)
            let sheet = try created.cleaningUpOnFailure {
                let sheet = dataset.contactSheet()
                try ImageIO.write(sheet, to: sheetPath)
                return sheet
            }
            print("contact sheet: \(sheetPath) (\(sheet.width)x\(sheet.height))")
            return
        }
        let files = FileManager.default
        try files.createDirectory(atPath: out, withIntermediateDirectories: true)
        let configuration = try JSONSerialization.data(withJSONObject: dataset.configuration, options: [.prettyPrinted, .sortedKeys])
        let manifest = out + "/dataset.json"
        if let existing = files.contents(atPath: manifest), existing != configuration {
            throw CommandFailure("\(manifest): a dataset with other settings is already there (choose another --out or delete it)")
        }
        try AtomicFile.write(configuration, to: manifest)
        let jobs = (0..<subjects).flatMap { s in (0..<appearances).map { (s, $0) } }
        let done = jobs.filter { files.fileExists(atPath: out + "/" + SynthDataset.folder(subject: $0.0, appearance: $0.1)) }.count
        let progress = ProgressLine(total: jobs.count, label: "synth", alreadyDone: done)
        var finished = done
        for (subject, appearance) in jobs {
            let folder = out + "/" + SynthDataset.folder(subject: subject, appearance: appearance)
            if files.fileExists(atPath: folder) { continue }
            try files.createDirectory(atPath: (folder as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try dataset.write(subject: subject, appearance: appearance, to: folder)
            finished += 1
            progress.update(finished, detail: "subject \(subject) appearance \(appearance)")
        }
        progress.finish()
        let splits = dataset.splits
        print("dataset: \(out) (\(jobs.count) image sets of \(dataset.views.count) views at \(resolution) px; "
              + "train \(splits.train.count), val \(splits.val.count), test \(splits.test.count) subjects)")
    }
}
