import Foundation
import Geometry
import Imaging
import Splat
import Tensor
import TestSupport
import XCTest

/// COLMAP models written by pycolmap 4.2.1 (Tools/golden/make_colmap_fixtures.py).
final class ColmapModelTests: XCTestCase {
    func testTextAndBinaryModelsReadTheSame() throws {
        let expected = try Fixtures.file("colmap/expected.safetensors")
        let poses = try expected.tensor("poses_wxyz_t").toArray(), points = try expected.tensor("points").toArray()
        let colours = try expected.tensor("colours").toArray()
        for kind in ["text", "binary"] {
            let model = try ColmapModel.read(sparse: Fixtures.path("colmap/\(kind)/sparse/0"))
            XCTAssertEqual(model.cameras[1]?.model, "PINHOLE", kind)
            XCTAssertEqual(model.cameras[2]?.model, "OPENCV", kind)
            XCTAssertEqual(model.cameras[2]?.params ?? [], [30, 31, 20, 15, 0.1, -0.05, 0.01, 0.02], kind)
            XCTAssertEqual([model.cameras[1]?.width, model.cameras[1]?.height], [40, 30])
            let images = model.images.sorted { $0.id < $1.id }
            XCTAssertEqual(images.map(\.name), ["001.png", "002.png", "003.png"], kind)
            XCTAssertEqual(images.map(\.cameraID), [1, 2, 1], kind)
            for (i, image) in images.enumerated() {
                for k in 0..<7 {
                    XCTAssertEqual(Float((image.rotation + image.translation)[k]), poses[i * 7 + k], accuracy: 1e-6, "\(kind) image \(i)")
                }
            }
            XCTAssertEqual(model.points.count, 5)
            for (i, p) in model.points.enumerated() {
                for a in 0..<3 {
                    XCTAssertEqual(p.position[a], points[i * 3 + a], accuracy: 1e-6)
                    XCTAssertEqual(p.colour[a] * 255, colours[i * 3 + a], accuracy: 1e-3)
                }
            }
        }
    }

    /// Distortion equals COLMAP's own projection (pycolmap img_from_cam) for OPENCV and SIMPLE_RADIAL.
    func testDistortionMatchesCOLMAP() throws {
        let expected = try Fixtures.file("colmap/expected.safetensors")
        let normalised = try expected.tensor("normalised").toArray()
        let cases: [(String, [Double], String)] = [("OPENCV", [30, 31, 20, 15, 0.1, -0.05, 0.01, 0.02], "opencv_pixels"),
                                                   ("SIMPLE_RADIAL", [30, 20, 15, -0.08], "simple_radial_pixels")]
        for (model, params, key) in cases {
            let camera = ColmapModel.CameraModel(id: 1, model: model, width: 40, height: 30, params: params)
            let k = ColmapModel.intrinsics(camera), pixels = try expected.tensor(key).toArray()
            for i in 0..<(normalised.count / 2) {
                let (xd, yd) = ColmapModel.distort(Double(normalised[2 * i]), Double(normalised[2 * i + 1]), k.distortion)
                XCTAssertEqual(Float(k.fx * xd + k.cx), pixels[2 * i], accuracy: 1e-4, "\(model) point \(i)")
                XCTAssertEqual(Float(k.fy * yd + k.cy), pixels[2 * i + 1], accuracy: 1e-4, "\(model) point \(i)")
            }
        }
    }

    /// A COLMAP project folder (sparse/0 + images/) reads as views: poses in place, distorted images
    /// resampled to the pinhole camera (an even image keeps its colour), pinhole images untouched.
    func testColmapProjectReadsAsViews() throws {
        let dir = try Fixtures.colmapProject(level: 0.25)
        let views = try ViewsDataset.read(folder: dir, background: (1, 1, 1))
        XCTAssertEqual(views.map(\.name), ["001.png", "002.png", "003.png"])
        let model = try ColmapModel.read(sparse: dir + "/sparse/0")
        let p = SIMD3<Float>(0.3, -0.2, 0.5)
        let pose = model.images.first { $0.name == "002.png" }!
        XCTAssertEqual(views[1].camera.toCamera(p).z, model.camera(pose).toCamera(p).z, accuracy: 1e-6)
        XCTAssertEqual(views[1].camera.fx, 30)
        XCTAssertEqual(views[1].image[20, 15, 0], 64 / 255, accuracy: 1e-6, "the centre keeps its colour")
        XCTAssertEqual(views[0].alpha.min(), 1, "a pinhole camera is not resampled")
    }
}
