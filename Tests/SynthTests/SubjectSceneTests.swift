import Foundation
import Geometry
import Imaging
import Synth
import Tensor
import TestSupport
import XCTest

/// Whole subjects: the signed distance of head, hair, bust and accessory, every hairstyle and
/// accessory building and rendering, the orbit's cameras and the dataset's determinism.
final class SubjectSceneTests: XCTestCase {
    func faceKit() throws -> FaceKit { try FaceKitTests.requireModel() }

    /// A subject with long hair and glasses: negative inside the head, positive outside, and |SDF|
    /// equal to a brute-force distance to the outer surfaces at points outside the union and just
    /// under the face.
    func testSignedDistanceOfTheUnion() throws {
        let kit = try faceKit()
        var parameters = HeadSampler().sample(seed: 11, expressionPreset: "neutral", accessory: .glasses)
        parameters.hair = .longStraight
        let scene = SubjectBuilder(kit: kit).build(parameters)
        XCTAssertEqual(Set(scene.partNames).isSuperset(of: ["head", "hair", "bust", "rim 0", "rim 1", "bridge", "temple 0", "temple 1"]), true,
                       "\(scene.partNames)")
        let outer = scene.outerSurface()
        let centre = (scene.landmarks[27] + scene.landmarks[8]) / 2 - SIMD3(0, 0, 0.3)  // inside the skull
        XCTAssertLessThan(scene.signedDistance(centre), -0.1)
        var rng = SeededGenerator(seed: 3)
        // On a sphere round the head, above the shoulders (the bust reaches down out of the frame).
        for _ in 0..<12 {
            let d = SIMD3(rng.nextNormal(), abs(rng.nextNormal()), rng.nextNormal()), p = d / (d * d).sum().squareRoot() * 1.6
            let sdf = scene.signedDistance(p)
            XCTAssertGreaterThan(sdf, 0, "outside at \(p)")
            XCTAssertEqual(sdf, BruteForce.meshDistance(p, positions: outer.positions, triangles: outer.triangles), accuracy: 1e-4)
        }
        // 1 mm behind the skin (along -z, into the face) at the nose tip, the chin, below the nose and the lower lip.
        for index in [30, 8, 33, 57] {
            let p = scene.landmarks[index] - SIMD3(0, 0, 0.1 * SubjectScene.unitsPerCentimetre)
            let sdf = scene.signedDistance(p)
            XCTAssertLessThan(sdf, 0, "inside under landmark \(index)")
            XCTAssertEqual(-sdf, BruteForce.meshDistance(p, positions: outer.positions, triangles: outer.triangles), accuracy: 1e-4, "landmark \(index) \(scene.parameters.beard)")
        }
    }

    /// Every hairstyle, beard and accessory builds a closed part (or none for bald / none) and renders.
    func testEveryStyleAndAccessoryBuilds() throws {
        let kit = try faceKit()
        let builder = SubjectBuilder(kit: kit)
        let camera = SynthDataset(kit: kit, subjects: 1, appearances: 1, resolution: 48, seed: 0).camera(OrbitView(elevation: 10, azimuth: 30))
        for (k, style) in HairStyle.allCases.enumerated() {
            var parameters = HeadSampler().sample(seed: 100 + UInt64(k), accessory: Accessory.allCases[k % Accessory.allCases.count])
            parameters.hair = style
            parameters.beard = BeardStyle.allCases[k % BeardStyle.allCases.count]
            let scene = builder.build(parameters)
            XCTAssertEqual(scene.partNames.contains("hair"), style != .bald, "\(style)")
            let mesh = scene.mesh()
            XCTAssertEqual(mesh.channels, SubjectScene.channels)
            let view = TriangleRasterizer.render(mesh, camera: camera)
            let alpha = view.coverage.reduce(0, +) / Float(view.coverage.count)
            XCTAssertGreaterThan(alpha, 0.25, "\(style) covers the view")
            XCTAssertLessThan(alpha, 0.9, "\(style) leaves a background")
        }
    }

    /// The 96 cameras sit on the elevation x azimuth grid (transforms.json records both), and a
    /// landmark projects where a direct pinhole computation from the written matrix puts it, on the head.
    func testOrbitCamerasAndLandmarkProjection() throws {
        let kit = try faceKit()
        let dataset = SynthDataset(kit: kit, subjects: 1, appearances: 1, resolution: 64, seed: 1)
        let transforms = ViewsFolder.transforms(views: dataset.views, rig: dataset.rig, size: 64)
        let frames = transforms.frames
        XCTAssertEqual(frames.count, 96)
        let scene = dataset.builder.build(dataset.parameters(subject: 0, appearance: 0))
        for (i, frame) in frames.enumerated() {
            let (elevation, azimuth) = ([-10, 0, 10, 20, 30, 40][i / 16], Double(i % 16) * 22.5)
            XCTAssertEqual(frame.elevationDegrees!, Double(elevation), accuracy: 1e-4)
            XCTAssertEqual(frame.azimuthDegrees!, azimuth, accuracy: 1e-4)
            let m = frame.transformMatrix!.map { $0.map(Float.init) }
            let (e, a) = (Float(elevation) * .pi / 180, Float(azimuth) * .pi / 180)
            let eye = SIMD3(m[0][3], m[1][3], m[2][3]), expected = 3.5 * SIMD3(cos(e) * sin(a), sin(e), cos(e) * cos(a))
            XCTAssertLessThan(((eye - expected) * (eye - expected)).sum().squareRoot(), 1e-4)
            // Direct pinhole: camera coordinates by the inverse rigid transform (OpenGL axes), then
            // x right, y up, looking down -z.
            let nose = scene.landmarks[30], d = nose - eye
            let (xc, yc, zc) = ((0..<3).map { m[$0][0] * d[$0] }.reduce(0, +), (0..<3).map { m[$0][1] * d[$0] }.reduce(0, +),
                                (0..<3).map { m[$0][2] * d[$0] }.reduce(0, +))
            let f = Float(transforms.intrinsics.flX!)
            let (u, v) = (32 + f * xc / -zc, 32 - f * yc / -zc)
            let projected = dataset.camera(dataset.views[i]).project(nose)
            XCTAssertEqual(projected.x, u, accuracy: 1e-3)
            XCTAssertEqual(projected.y, v, accuracy: 1e-3)
            if i == 32 {  // the front view at elevation 10: the nose tip is on the rendered head
                let image = dataset.render(scene, views: [dataset.views[i]])[0]
                XCTAssertGreaterThan(image[Int(u), Int(v), 3], 0.99)
            }
        }
    }

    /// Same seed, same bytes in every file of an image set; another subject differs.
    func testSameSeedSameBytes() throws {
        let kit = try faceKit()
        var dataset = SynthDataset(kit: kit, subjects: 2, appearances: 2, resolution: 24, seed: 9)
        (dataset.surfaceSamples, dataset.volumeSamples) = (64, 16)
        let root = Fixtures.temporaryDirectory()
        for run in ["a", "b"] { try dataset.write(subject: 0, appearance: 1, to: "\(root)/\(run)") }
        try dataset.write(subject: 1, appearance: 1, to: "\(root)/other")
        let files = try FileManager.default.subpathsOfDirectory(atPath: "\(root)/a").filter { !$0.hasSuffix("views") }.sorted()
        XCTAssertEqual(files.filter { $0.hasSuffix(".png") }.count, 96)
        XCTAssertTrue(files.contains("mesh.ply") && files.contains("parameters.json") && files.contains("sdf.safetensors")
                      && files.contains("views/transforms.json"))
        for file in files {
            XCTAssertEqual(FileManager.default.contents(atPath: "\(root)/a/\(file)"), FileManager.default.contents(atPath: "\(root)/b/\(file)"), file)
        }
        XCTAssertNotEqual(FileManager.default.contents(atPath: "\(root)/a/mesh.ply"), FileManager.default.contents(atPath: "\(root)/other/mesh.ply"))
        // The last appearance wears an accessory; the first is neutral and bare.
        let decoder = JSONDecoder()
        let last = try decoder.decode(HeadParameters.self, from: Data(contentsOf: URL(fileURLWithPath: "\(root)/a/parameters.json")))
        XCTAssertNotEqual(last.accessory, .none)
        XCTAssertEqual(dataset.parameters(subject: 0, appearance: 0).expressionPreset, "neutral")
        XCTAssertEqual(dataset.parameters(subject: 0, appearance: 0).accessory, .none)
        XCTAssertEqual(dataset.parameters(subject: 0, appearance: 0).identity, last.identity, "one person across appearances")
        // The signed distances are the scene's.
        let sdf = try SafeTensorsFile(path: "\(root)/a/sdf.safetensors")
        let points = try sdf.tensor("surface_points").toArray(), values = try sdf.tensor("surface_sdf").toArray()
        let scene = dataset.builder.build(last)
        for i in [0, 17, 63] {
            XCTAssertEqual(values[i], scene.signedDistance(SIMD3(points[3 * i], points[3 * i + 1], points[3 * i + 2])), accuracy: 1e-6)
            XCTAssertLessThan(abs(values[i]), 0.1, "near the surface")
        }
    }

    func testSplitsPartitionTheSubjects() throws {
        let kit = try faceKit()
        let splits = SynthDataset(kit: kit, subjects: 20, appearances: 1, resolution: 16, seed: 4).splits
        XCTAssertEqual((splits.train.count, splits.val.count, splits.test.count).0, 16)
        XCTAssertEqual(splits.val.count, 2)
        XCTAssertEqual(Set(splits.train + splits.val + splits.test), Set(0..<20))
    }
}
