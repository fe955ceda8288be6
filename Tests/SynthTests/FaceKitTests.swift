import Foundation
import Geometry
import Imaging
import Synth
import TestSupport
import XCTest

/// The ICT-FaceKit head model (../shared/data/ict-facekit, 26 MB, not a fixture: these tests skip,
/// saying why, where it is absent).
final class FaceKitTests: XCTestCase {
    static let model = Result { try FaceKit() }

    /// The model shipped in Data/ict-facekit (every FaceKit-dependent test calls this; a missing or
    /// damaged file fails the test, naming the path).
    static func requireModel() throws -> FaceKit { try model.get() }

    func faceKit() throws -> FaceKit { try Self.requireModel() }

    func testLoadsTheModelAndItsModes() throws {
        let kit = try faceKit()
        XCTAssertEqual(kit.vertexCount, 26719)
        XCTAssertEqual(kit.identityCount, 100)
        XCTAssertEqual(kit.expressionNames.count, 57)
        XCTAssertEqual(kit.triangles.count / 3, 26384 * 2 - 548, "quads split in two, triangles kept")
        XCTAssertEqual(kit.regions["face"], 0...9408)
        XCTAssertEqual(kit.vertices(identity: []), kit.neutral)
        let moved = kit.vertices(identity: [1.5] + [Float](repeating: 0, count: 9))
        let shift = zip(moved, kit.neutral).map { abs($0 - $1) }.max()!
        XCTAssertGreaterThan(shift, 0.1, "an identity mode moves the surface (cm)")
        XCTAssertLessThan(shift, 10)
    }

    /// ORBIT_FACEKIT naming the model's folder instead of its file loads the file in it; a folder
    /// without it says so (it said "cannot map file").
    func testAFolderInsteadOfTheModelFile() throws {
        let folder = (FaceKit.defaultPath as NSString).deletingLastPathComponent
        XCTAssertEqual(try FaceKit(path: folder).vertexCount, try faceKit().vertexCount)
        let empty = Fixtures.temporaryDirectory()
        XCTAssertThrowsError(try FaceKit(path: empty)) {
            XCTAssertEqual("\($0)", "\(empty): is a folder without ict_facekit.safetensors; ORBIT_FACEKIT names the ICT-FaceKit model file "
                           + "(Data/ict-facekit/ict_facekit.safetensors)")
        }
    }

    /// The neutral head seen from the front by the orbit camera: covered in the middle, empty in the
    /// corners, left-right symmetric like the model, and its 68 landmarks project onto the head.
    func testNeutralHeadRendersFromTheFront() throws {
        let kit = try faceKit()
        let unitsPerCentimetre: Float = 1 / 15
        let positions = kit.neutral.enumerated().map { $0.element * unitsPerCentimetre }
        let normals = Mesh.vertexNormals(positions: positions, triangles: kit.triangles)
        // Deferred studio shading: a skin albedo, the normals and the positions per vertex.
        let attributes = (0..<kit.vertexCount).flatMap { i -> [Float] in
            [0.78, 0.6, 0.5] + normals[(3 * i)..<(3 * i + 3)] + positions[(3 * i)..<(3 * i + 3)]
        }
        let size = Int(ProcessInfo.processInfo.environment["FACEKIT_PREVIEW_SIZE"] ?? "") ?? 96
        let focal = 0.5 * Float(size) / tan(18 * Float.pi / 180)
        let camera = Camera(width: size, height: size, fx: focal, fy: focal, cx: Float(size) / 2, cy: Float(size) / 2,
                            cameraToWorldOpenGL: Camera.orbitPose(azimuth: 0, elevation: 0, distance: 3.5))
        let view = TriangleRasterizer.render(Mesh(positions: positions, triangles: kit.triangles, attributes: attributes, channels: 9),
                                             camera: camera, supersampling: 2)
        let preview = Fixtures.temporaryDirectory() + "/front.png"
        try ImageIO.write(StudioLighting.portrait.image(of: view, camera: camera).compositedRGB(), to: preview)
        if size != 96 { print("preview: \(preview)") }
        let centre = (size * 40 / 96) * size + size / 2
        XCTAssertEqual(view.coverage[centre], 1)
        XCTAssertEqual(view.coverage[0], 0)
        var asymmetric = 0
        for y in 0..<size { for x in 0..<size where (view.coverage[y * size + x] > 0.5) != (view.coverage[y * size + size - 1 - x] > 0.5) { asymmetric += 1 } }
        XCTAssertLessThan(asymmetric, size * size / 200, "mirror symmetric up to edge pixels")
        for index in kit.landmarks68 {
            let p = camera.project(SIMD3(positions[3 * index], positions[3 * index + 1], positions[3 * index + 2]))
            // Jaw-line landmarks sit on the silhouette: look within one pixel.
            let (x, y) = (Int(p.x), Int(p.y))
            let near = (-1...1).flatMap { dy in (-1...1).map { dx in (x + dx, y + dy) } }
                .filter { (0..<size).contains($0.0) && (0..<size).contains($0.1) }.map { view.coverage[$0.1 * size + $0.0] }
            XCTAssertGreaterThan(near.max() ?? 0, 0, "landmark \(index) on the head")
        }
    }
}

extension FaceKitTests {
    /// The skin surface (face and head-and-neck regions) is open at the neck, the eyes and the mouth;
    /// capping its boundary loops makes it watertight, as the signed distance needs.
    func testCappedHeadIsWatertight() throws {
        let kit = try faceKit()
        let last = Int32(kit.regions["head_and_neck"]!.upperBound)
        let skin = Mesh.triangles(kit.triangles) { $0 <= last }
        XCTAssertFalse(Mesh.isWatertight(triangles: skin))
        let loops = Mesh.boundaryLoops(triangles: skin)
        XCTAssertGreaterThanOrEqual(loops.count, 4, "neck, mouth and two eyes at least")
        let capped = Mesh.cappingHoles(positions: kit.neutral, triangles: skin)
        XCTAssertTrue(Mesh.isWatertight(triangles: capped.triangles))
    }
}
