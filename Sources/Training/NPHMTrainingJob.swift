import Foundation
import Geometry
import Imaging
import Models
import Pipeline
import Tensor

/// `orbit train nphm`: the head model's auto-decoder training. Under `out`:
///
///     checkpoint.safetensors   the full training state (resume with --resume)
///     curves.png               loss history (total red; surface, eikonal, colour)
///     model/                   config.json, model.safetensors (F16) and codes.safetensors (the
///                              training code tables, F32, with the subjects' ids), at every checkpoint
///     validation/NNNNNN.ply    the first training subject's neutral head, meshed at resolution 128
public struct NPHMTrainingJob {
    public var data: String, out: String
    public var config = NPHMTrainingConfig()
    public var steps = 20_000
    public var minutes: Double?
    /// Steps between checkpoints (nil: every five minutes); see `TrainingRun.Schedule.checkpointEvery`.
    public var checkpointEvery: Int?
    public var resume = false
    public var validateEvery = 1000

    public init(data: String, out: String) { (self.data, self.out) = (data, out) }

    public func run(progress: (Int, Int, String) -> Void, log: @escaping (String) -> Void) throws -> TrainingRun.Ending {
        log("nphm: reading the train split of \(data)")
        let samples = try NPHMData.load(data: data, split: "train") { done, total in log("nphm: read \(done)/\(total) samples") }
        let trainer = try NPHMTrainer(config: config, samples: samples)
        log("nphm: \(trainer.subjects.count) subjects, \(samples.count) samples; \(trainer.head.trainableParameters.reduce(0) { $0 + $1.1.count }) network parameters")
        let checkpointPath = out + "/checkpoint.safetensors"
        let fingerprint = trainer.config.fingerprint
        let (start, history) = try TrainerCheckpoint.start(from: checkpointPath, resume: resume, fingerprint: fingerprint,
                                                           parameters: trainer.trainedParameters, optimizer: trainer.optimizer, ema: nil)
        if start > 0 { log("nphm: resumed at step \(start)") }
        var schedule = TrainingRun.Schedule(totalSteps: steps, minutes: minutes)
        schedule.checkpointEvery = checkpointEvery
        schedule.validateEvery = validateEvery
        let run = TrainingRun(schedule: schedule, startStep: start, history: history)
        let ending = try run.run(trainStep: trainer.trainStep, checkpoint: { step, history in
            try TrainerCheckpoint.save(to: checkpointPath, step: step, fingerprint: fingerprint,
                                       parameters: trainer.trainedParameters, optimizer: trainer.optimizer, ema: nil, history: history)
            try ImageIO.write(LossCurves.plot(history, terms: ["surface", "eikonal", "colour"]), to: out + "/curves.png")
            try trainer.export(to: out + "/model", provenance: "orbit train nphm, step \(step)")
        }, validate: { step in
            let mesh = trainer.meshOfTrainingSample(0, resolution: 128)
            let path = out + String(format: "/validation/%06d.ply", step)
            try FileManager.default.createDirectory(atPath: out + "/validation", withIntermediateDirectories: true)
            try MeshPLY.encode(positions: mesh.positions, normals: mesh.normals, colours: mesh.colours, triangles: mesh.triangles)
                .write(to: URL(fileURLWithPath: path), options: .atomic)
            log("nphm: step \(step) validation mesh \(mesh.triangles.count / 3) triangles, closed \(Mesh.isWatertight(triangles: mesh.triangles)) -> \(path)")
        }, progress: { step, detail in progress(step, steps, detail) })
        log("nphm: step \(run.step) (\(ending.rawValue)); wrote \(out)/model")
        return ending
    }
}

extension NPHMTrainer {
    /// Sample `index`'s codes [1, *].
    public func codes(ofSample index: Int) -> (geometry: Tensor, appearance: Tensor, expression: Tensor) {
        let row = [Int32(subjectRow[index])]
        return noGrad { (geometryCodes.gatherRows(row), appearanceCodes.gatherRows(row), expressionCodes.gatherRows([Int32(index)])) }
    }

    public func meshOfTrainingSample(_ index: Int, resolution: Int) -> HeadMesher.Result {
        let c = codes(ofSample: index)
        return HeadMesher(resolution: resolution).mesh(head, geometry: c.geometry, appearance: c.appearance, expression: c.expression)
    }

    /// The model folder: config.json, model.safetensors (F16) and codes.safetensors (F32 code tables
    /// with the subjects' dataset ids and each sample's (subject, appearance)), the folder written as a
    /// whole (a kill never leaves codes of one step beside weights of another).
    public func export(to directory: String, provenance: String) throws {
        let sampleIds = samples.flatMap { [Float($0.subject), Float($0.appearance)] }
        try AtomicFolder.write(directory) { staging in
            try HeadModel.saveHead(head, to: staging, provenance: provenance)
            try SafeTensors.write([("geometry", geometryCodes), ("appearance", appearanceCodes), ("expression", expressionCodes),
                                   ("subjects", Tensor(subjects.map(Float.init), shape: [subjects.count])),
                                   ("samples", Tensor(sampleIds, shape: [samples.count, 2]))],
                                  metadata: ["provenance": provenance], to: staging + "/codes.safetensors")
        }
    }
}
