import Foundation
import Geometry
import Models
import NN
import Pipeline
import Tensor
import TestSupport
import XCTest

/// `orbit mesh` end to end with a tiny random head model and prior (the committed generator's image
/// encoder and the expression-aware SFace condition it, as in use).
extension OrbitCLITests {
    func tinyHeadModel() throws -> String {
        var c = NPHMConfiguration()
        (c.symmetricPairs, c.midlineAnchors, c.neighbours, c.sigmaRank) = (3, 2, 4, 4)
        (c.globalCode, c.localCode, c.expressionCode, c.hidden, c.hiddenLayers, c.colourHidden) = (8, 4, 4, 16, 2, 8)
        (c.communication, c.anchorHidden, c.compressedIdentity, c.deformationHidden, c.deformationLayers, c.deformationSkip) = (4, 8, 4, 16, 3, 1)
        // The first seed whose random field crosses zero inside the box (at the zero latent).
        let probe = Tensor.uniform([1, 512, 3], low: -0.7, high: 0.7, seed: 9)
        let (head, _) = try (UInt64(1)...64).lazy.map { seed -> (NPHMHead, Bool) in
            let head = try NPHMHead(WeightScope(RandomInitializer(seed: seed)), config: c)
            let anchors = Tensor.uniform([c.anchors, 3], low: -0.4, high: 0.4, seed: seed &+ 100).toArray()
            head.anchorTemplate.data.update(from: anchors, count: anchors.count)
            let sdf = noGrad { head(points: probe, geometry: Tensor(zeros: [1, c.identityCodeLength]), expression: Tensor(zeros: [1, c.expressionCode])) }
            let values = sdf.sdf.value.toArray()
            return (head, values.contains { $0 < 0 } && values.contains { $0 > 0 })
        }.first { $0.1 }!
        var u = UNet1DConfiguration()
        (u.length, u.channels, u.groups, u.embedding, u.condition) = (HeadLatentLayout(c).length, [8, 16], 4, 16, 384)
        // A narrow latent range: samples stay near the zero latent, whose field crosses the box.
        let prior = HeadPrior(unet: try UNet1D(WeightScope(RandomInitializer(seed: 5)), config: u),
                              latentMin: Tensor(filling: -0.001, shape: [u.length]), latentMax: Tensor(filling: 0.001, shape: [u.length]),
                              latentMean: Tensor(zeros: [u.length]))
        let directory = Fixtures.temporaryDirectory() + "/head-model"
        try HeadModel(head: head, prior: prior).save(to: directory, provenance: "test: random weights")
        return directory
    }

    /// Two samples as closed PLY meshes with OBJ twins; an existing output is not replaced without
    /// --force; the default posterior-mean latent gives a closed mesh too, and refuses --samples 2; a
    /// missing portrait is named and writes nothing.
    func testMeshWritesClosedMeshes() throws {
        let model = try tinyHeadModel()
        let out = Fixtures.temporaryDirectory() + "/head.ply"
        let args = ["mesh", Fixtures.path("yunet/astronaut.png"), "--model", model, "--out", out, "--obj", "--resolution", "24",
                    "--steps", "2", "--samples", "2", "--estimate", "sampled"]
        let run = try orbit(args)
        XCTAssertEqual(run.status, 0, run.stderr)
        for ply in [out, out.replacingOccurrences(of: "head.ply", with: "head-2.ply")] {
            let mesh = try MeshPLY.decode(Data(contentsOf: URL(fileURLWithPath: ply)), file: ply)
            XCTAssertGreaterThan(mesh.triangles.count, 0)
            XCTAssertTrue(Mesh.isWatertight(triangles: mesh.triangles), "\(ply) closed")
            let obj = try String(contentsOfFile: ply.replacingOccurrences(of: ".ply", with: ".obj"), encoding: .utf8)
            XCTAssertEqual(obj.split(separator: "\n").filter { $0.hasPrefix("f ") }.count, mesh.triangles.count / 3)
        }
        let again = try orbit(args)
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.stderr.contains("already exists"), again.stderr)

        let missingOut = Fixtures.temporaryDirectory() + "/missing.ply"
        let missing = try orbit(["mesh", "/nonexistent/portrait.png", "--model", model, "--out", missingOut])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("/nonexistent/portrait.png"), missing.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: missingOut))
        // The default latent (the posterior mean) is one per portrait: several meshes need sampling.
        let meanOut = Fixtures.temporaryDirectory() + "/mean.ply"
        let mean = try orbit(["mesh", Fixtures.path("yunet/astronaut.png"), "--model", model, "--out", meanOut, "--resolution", "24"])
        XCTAssertEqual(mean.status, 0, mean.stderr)
        XCTAssertTrue(Mesh.isWatertight(triangles: try MeshPLY.decode(Data(contentsOf: URL(fileURLWithPath: meanOut)), file: meanOut).triangles))
        XCTAssertTrue(mean.stdout.contains("no face_shape.safetensors"), mean.stdout)
        // With a face-shape regressor the latent's geometry and expression codes are fitted to the
        // regressed face (5 steps each here).
        let regressor = FaceShapeRegressor(weight: Tensor.normal([100, 128], std: 0.1, seed: 3), bias: Tensor(zeros: [100]),
                                           expressionWeight: Tensor.normal([57, 128], std: 0.1, seed: 4), expressionBias: Tensor(zeros: [57]),
                                           neutralExpression: Tensor(zeros: [1, 4]))
        try regressor.save(to: model + "/face_shape.safetensors", provenance: "test: random weights")
        let refinedOut = Fixtures.temporaryDirectory() + "/refined.ply"
        let refined = try orbit(["mesh", Fixtures.path("yunet/astronaut.png"), "--model", model, "--out", refinedOut, "--resolution", "24",
                                 "--refine-steps", "5"])
        XCTAssertEqual(refined.status, 0, refined.stderr)
        XCTAssertTrue(refined.stdout.contains("shape: the regressed face's mean distance to the surface"), refined.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: refinedOut))
        try FileManager.default.removeItem(atPath: model + "/face_shape.safetensors")
        let refused = try orbit(["mesh", Fixtures.path("yunet/astronaut.png"), "--model", model, "--out", meanOut + ".2.ply", "--samples", "2"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("--samples 2 needs --estimate sampled"), refused.stderr)
        let badOut = try orbit(["mesh", Fixtures.path("yunet/astronaut.png"), "--model", model, "--out", "head.stl"])
        XCTAssertNotEqual(badOut.status, 0)
        XCTAssertTrue(badOut.stderr.contains(".ply"), badOut.stderr)
    }
}
