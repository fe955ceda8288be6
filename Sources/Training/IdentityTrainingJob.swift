import Foundation
import Imaging
import Models
import Tensor

/// `orbit train identity`: the whole job around `IdentityTrainer`. Under `out`:
///
///     faces/                   the face feature cache (IdentityFaceCache), train and test subjects
///     checkpoint.safetensors   the full training state (resume with --resume)
///     curves.png               loss history (total red, batch accuracy blue)
///     head.safetensors         the fine-tuned embedding head (F16), written at every checkpoint
///     evaluation.json          IdentityMetrics of the pretrained head and the fine-tuned one
public struct IdentityTrainingJob {
    public var data: String, out: String
    public var config = IdentityTrainingConfig()
    public var steps = 3000
    public var minutes: Double?
    /// Steps between checkpoints (nil: every five minutes); see `TrainingRun.Schedule.checkpointEvery`.
    public var checkpointEvery: Int?
    public var resume = false
    /// The real photo of the evaluation (the astronaut), when given.
    public var realPhoto: String?

    public init(data: String, out: String) { (self.data, self.out) = (data, out) }

    /// The training faces, the held-out views of the same classes, and the test subjects' faces.
    public struct Tables {
        public let train: IdentityFaceTable, heldOut: IdentityFaceTable, test: IdentityFaceTable
        public let classes: Int
    }

    /// Builds (or completes) the face cache of the train and test splits and reads it into tables.
    public static func tables(data: String, cache directory: String, log: (String) -> Void) throws -> Tables {
        let dataset = try SynthImageSets(root: data)
        let trainSets = try dataset.imageSets(split: "train"), testSets = try dataset.imageSets(split: "test")
        let sets = trainSets + testSets
        let cache = try IdentityFaceCache.build(sets: sets, into: directory) { done, total in
            if done % 50 == 0 || done == total { log("identity: face cache \(done)/\(total) image sets") }
        }
        var classes: [String: Int] = [:], testClasses: [String: Int] = [:]
        let (train, heldOut) = try IdentityFaceTable.load(cache, sets: trainSets, classes: &classes, holdOut: IdentityFaceTable.isHeldOut)
        let test = try IdentityFaceTable.load(cache, sets: testSets, classes: &testClasses) { _ in false }.kept
        return Tables(train: train, heldOut: heldOut, test: test, classes: classes.count)
    }

    public func run(progress: (Int, Int, String) -> Void, log: @escaping (String) -> Void) throws -> TrainingRun.Ending {
        let tables = try Self.tables(data: data, cache: out + "/faces", log: log)
        let trainer = try IdentityTrainer(config: config, train: tables.train, classes: tables.classes)
        log("identity: \(tables.classes) classes (subject, expression); \(tables.train.count) training faces, "
            + "\(tables.heldOut.count) held-out views, \(tables.test.count) test-subject faces")
        let checkpointPath = out + "/checkpoint.safetensors", headPath = out + "/head.safetensors"
        let (start, history) = try TrainerCheckpoint.start(from: checkpointPath, resume: resume, fingerprint: config.fingerprint,
                                                           parameters: trainer.trainedParameters, optimizer: trainer.optimizer, ema: nil)
        if start > 0 { log("identity: resumed at step \(start)") }
        var schedule = TrainingRun.Schedule(totalSteps: steps, minutes: minutes)
        schedule.checkpointEvery = checkpointEvery
        schedule.validateEvery = 500
        let run = TrainingRun(schedule: schedule, startStep: start, history: history)
        let photo = try realPhoto.map { try ImageIO.read($0) }
        func evaluate(_ model: SFace, realPhoto: Image?) throws -> IdentityMetrics {
            try IdentityEvaluation.evaluate(model, train: tables.train, heldOut: tables.heldOut, test: tables.test, realPhoto: realPhoto)
        }
        let ending = try run.run(trainStep: trainer.trainStep, checkpoint: { step, history in
            try TrainerCheckpoint.save(to: checkpointPath, step: step, fingerprint: config.fingerprint,
                                       parameters: trainer.trainedParameters, optimizer: trainer.optimizer, ema: nil, history: history)
            try ImageIO.write(LossCurves.plot(history, terms: ["accuracy"]), to: out + "/curves.png")
            try trainer.exportHead(to: headPath, provenance: "orbit train identity, step \(step)")
        }, validate: { step in
            let m = try evaluate(trainer.sface, realPhoto: nil)
            log(String(format: "identity: step %d held-out class accuracy %.3f, subject %.3f; test cosines %.3f / %.3f / %.3f",
                       step, m.heldOutClassAccuracy, m.heldOutSubjectAccuracy, m.sameExpression, m.otherExpression, m.otherSubject))
        }, progress: { step, detail in progress(step, steps, detail) })
        let report: [String: Any] = ["step": run.step, "pretrained": try evaluate(try SFace.pretrained(), realPhoto: photo).json,
                                     "fine_tuned": try evaluate(trainer.sface, realPhoto: photo).json, "config": config.fingerprint]
        try ModelConfigFile.write(report, to: out + "/evaluation.json")
        log("identity: step \(run.step) (\(ending.rawValue)); wrote \(headPath) and \(out)/evaluation.json")
        return ending
    }
}
