import ArgumentParser
import CommandSupport
import Foundation
import Geometry
import Imaging
import Models
import Pipeline
import Synth
import Tensor

/// `orbit mesh portrait.jpg --out head.ply`: the mesh branch. The portrait's condition, a latent
/// from the head prior, the head model's zero level set by coarse-to-fine marching cubes, vertex
/// colours from its appearance field; a closed mesh in PLY (and OBJ). Files are written whole or not
/// at all.
struct MeshCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mesh",
        abstract: "Reconstruct a closed, coloured head mesh from a portrait with the NPHM-style head model and its latent prior.")

    @Argument(help: "Portrait (PNG or JPEG).")
    var portrait: String

    @Option(help: "Output PLY file (with --samples N: also NAME-2.ply ... NAME-N.ply).")
    var out = "head.ply"

    @Flag(help: "Also write OBJ files beside the PLY files.")
    var obj = false

    @Option(help: "Grid points along the head box's longest side.")
    var resolution = 256

    @Option(help: "Random seed of the prior's sampling.")
    var seed: UInt64 = 0

    @Option(help: "How the latent comes out of the prior: posterior-mean (the denoiser's one-step estimate of the portrait's mean latent, the most accurate on held-out heads) or sampled (DDIM samples, the prior's variety).")
    var estimate = HeadReconstruction.defaultEstimate

    @Option(help: "Meshes to draw from the prior (more than one with --estimate sampled).")
    var samples = 1

    @Option(help: "Noise inputs (posterior-mean) or DDIM samples (sampled) averaged into each mesh's latent (sampled with 1: a single draw).")
    var draws = HeadReconstruction.defaultDraws

    @Option(help: "Keep this portrait's identity and take the expression of another portrait.")
    var expressionFrom: String?

    @Option(help: "DDIM steps of the prior.")
    var steps = 50

    @Option(help: "Classifier-free guidance scale of the prior.")
    var guidance: Float = 2

    @Flag(inversion: .prefixedNo, help: "Fit the latent's geometry and expression codes to the face regressed from the portrait's embedding (the head model's face_shape.safetensors; with --expression-from, that portrait's expression; --no-refine: the prior's latent as it is).")
    var refine = true

    @Option(help: "Adam steps of the shape refinement, per fitted code.")
    var refineSteps = HeadShapeRefinement().steps

    @Option(help: "Also write a turntable GIF of the (first) mesh there.")
    var turntable: String?

    @Option(help: "Head model folder (default: the trained orbit-head in Weights/, or $ORBIT_HEAD).")
    var model: String?

    @Flag(help: "Replace existing output files.")
    var force = false

    func validate() throws {
        guard (16...1024).contains(resolution) else { throw ValidationError("--resolution must be in 16...1024") }
        guard (1...64).contains(samples) else { throw ValidationError("--samples must be in 1...64") }
        guard (1...64).contains(draws) else { throw ValidationError("--draws must be in 1...64") }
        guard samples == 1 || estimate == .sampled else {
            throw ValidationError("--samples \(samples) needs --estimate sampled (the posterior mean is one latent per portrait)")
        }
        guard (1...1000).contains(steps) else { throw ValidationError("--steps must be in 1...1000") }
        guard (1...2000).contains(refineSteps) else { throw ValidationError("--refine-steps must be in 1...2000") }
        guard out.lowercased().hasSuffix(".ply") else { throw ValidationError("--out must name a .ply file") }
        if let turntable, !turntable.lowercased().hasSuffix(".gif") { throw ValidationError("--turntable must name a .gif file") }
    }

    /// The files sample k writes (PLY, OBJ).
    func outputs(_ k: Int) -> (ply: String, obj: String) {
        let stem = String(out.dropLast(4)) + (k == 0 ? "" : "-\(k + 1)")
        return (stem + ".ply", stem + ".obj")
    }

    func run() throws {
        let started = Date()
        let files = (0..<samples).flatMap { k in [outputs(k).ply] + (obj ? [outputs(k).obj] : []) } + (turntable.map { [$0] } ?? [])
        try OutputPaths.checkFiles(files, force: force, inputs: [portrait] + (expressionFrom.map { [$0] } ?? []))
        guard let directory = model ?? HeadModel.defaultDirectory() else {
            throw CommandFailure("no head model: the trained default (Weights/\(HeadModel.defaultName)) was not found beside this binary "
                                 + "or in the current folder; pass --model DIR or set ORBIT_HEAD")
        }
        let folders = try Set(files.map(OutputPaths.folder)).map { try OutputPaths.create($0.isEmpty ? "." : $0) }
        do { try mesh(started: started, headModel: directory) } catch {
            folders.forEach { $0.removeIfEmpty() }
            throw error
        }
    }

    /// The work of `run` once the outputs are checked and their folders made.
    func mesh(started: Date, headModel directory: String) throws {
        let image = try ImageIO.read(portrait)
        let other = try expressionFrom.map { try ImageIO.read($0) }
        var reconstruction = HeadReconstruction(model: try HeadModel.load(from: directory), encoder: try HeadConditionEncoder.committed(),
                                                faces: try FaceAnalysis.pretrainedIfInstalled())
        (reconstruction.priorSteps, reconstruction.guidance) = (steps, guidance)

        let (condition, notes) = reconstruction.condition(of: image)
        for note in notes { print("note: \(note)") }
        let sampling = ProgressLine(total: estimate == .sampled ? steps : samples, label: "prior")
        var latents = reconstruction.latents(for: condition, estimate: estimate, count: samples, draws: draws, seed: seed) { done, _ in
            sampling.update(done)
        }
        sampling.finish()
        var expressionCondition: Tensor?
        if let other, let expressionFrom {
            let (otherCondition, otherNotes) = reconstruction.condition(of: other)
            expressionCondition = otherCondition
            for note in otherNotes { print("note (\(expressionFrom)): \(note)") }
            let theirs = reconstruction.latents(for: otherCondition, estimate: estimate, draws: draws, seed: seed)
            latents = Tensor.concat((0..<samples).map { k in
                reconstruction.transferringExpression(from: theirs, to: latents.slice(axis: 0, k..<(k + 1)))
            }, axis: 0)
        }
        if refine { latents = try refiningShape(latents, condition: condition, expressionCondition: expressionCondition, reconstruction) }
        for k in 0..<samples {
            // The fine pass's size is known once the coarse pass has run.
            var meshing: ProgressLine?
            let mesh = reconstruction.mesh(latents.slice(axis: 0, k..<(k + 1)), resolution: resolution) { done, total in
                if meshing == nil { meshing = ProgressLine(total: total, label: samples == 1 ? "mesh" : "mesh \(k + 1)/\(samples)") }
                meshing?.update(done, detail: "fine points")
            }
            meshing?.finish()
            guard !mesh.triangles.isEmpty else {
                throw CommandFailure("\(portrait): the head model's surface for this latent does not cross its box (no mesh written)")
            }
            let (ply, objPath) = outputs(k)
            try AtomicFile.write(MeshPLY.encode(positions: mesh.positions, normals: mesh.normals, colours: mesh.colours,
                                                triangles: mesh.triangles), to: ply)
            if obj {
                try AtomicFile.write(MeshOBJ.encode(positions: mesh.positions, normals: mesh.normals, colours: mesh.colours,
                                                    triangles: mesh.triangles), to: objPath)
            }
            if k == 0, let turntable {
                let maker = MeshTurntable(), frames = ProgressLine(total: maker.frames, label: "turntable")
                let images = maker.render(positions: mesh.positions, colours: mesh.colours, triangles: mesh.triangles) { done, _ in
                    frames.update(done)
                }
                frames.finish()
                try GIFWriter.write(images, to: turntable, delayCentiseconds: 6)
                print("wrote \(turntable)")
            }
            let closed = Mesh.isWatertight(triangles: mesh.triangles) ? "closed" : "NOT closed"
            print("wrote \(ply)\(obj ? " and \(objPath)" : ""): \(mesh.positions.count / 3) vertices, \(mesh.triangles.count / 3) triangles, "
                  + "\(closed), \(mesh.evaluated) SDF evaluations")
        }
        print(String(format: "done in %.1f s", Date().timeIntervalSince(started)))
    }

    /// Each latent [samples, L] with its codes fitted to the regressed face (HeadShapeRefinement).
    func refiningShape(_ latents: Tensor, condition: Tensor, expressionCondition: Tensor?, _ reconstruction: HeadReconstruction) throws -> Tensor {
        guard reconstruction.model.faceShape != nil else {
            print("note: the head model has no face_shape.safetensors; the shape is not refined")
            return latents
        }
        let kit = try FaceKit()
        var refinement = HeadShapeRefinement()
        refinement.steps = refineSteps
        return Tensor.concat((0..<samples).map { k in
            let latent = latents.slice(axis: 0, k..<(k + 1))
            var line: ProgressLine?
            guard let fit = reconstruction.refiningShape(latent, condition: condition, expressionCondition: expressionCondition, kit: kit,
                                                         refinement: refinement, progress: { done, total in
                if line == nil { line = ProgressLine(total: total, label: samples == 1 ? "shape" : "shape \(k + 1)/\(samples)") }
                line?.update(done)
            }) else {
                print("note: \(portrait): no face was found, so the shape is not refined")
                return latent
            }
            line?.finish()
            print(String(format: "shape: the regressed face's mean distance to the surface %.2f -> %.2f mm", fit.before * 180, fit.after * 180))
            return fit.latent
        }, axis: 0)
    }
}
