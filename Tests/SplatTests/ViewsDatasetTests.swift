import Foundation
import Imaging
import Splat
import TestSupport
import XCTest

final class ViewsDatasetTests: XCTestCase {
    func folder(frames: [[String: Any]], top: [String: Any] = ["fl_x": 40.0, "fl_y": 41.0, "cx": 8.0, "cy": 6.0],
                images: [String: (Int, Int)] = ["000.png": (16, 12), "001.png": (16, 12)]) throws -> String {
        let dir = Fixtures.temporaryDirectory()
        for (name, (w, h)) in images {
            var image = Image(width: w, height: h, channels: 4, filling: 0.5)
            image[0, 0, 3] = 0
            try ImageIO.write(image, to: dir + "/" + name)
        }
        var json = top
        json["frames"] = frames
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: dir + "/transforms.json"))
        return dir
    }

    let pose: [[Double]] = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 3], [0, 0, 0, 1]]

    func testReadsNerfstudioAndNeRFSyntheticLayouts() throws {
        let dir = try folder(frames: [["file_path": "000.png", "transform_matrix": pose], ["file_path": "001.png", "transform_matrix": pose]])
        let views = try ViewsDataset.read(folder: dir, background: (0, 0, 0))
        XCTAssertEqual(views.count, 2)
        XCTAssertEqual(views[0].camera.fx, 40)
        XCTAssertEqual(views[0].camera.fy, 41)
        XCTAssertEqual(views[0].alpha[0], 0)
        XCTAssertEqual(views[0].image[0, 0, 0], 0, "transparent pixel composited on black")
        XCTAssertEqual(views[0].image[1, 0, 0], 0.25, accuracy: 1 / 255, "0.5 at alpha 0.5")

        let synthetic = try folder(frames: [["file_path": "./000", "transform_matrix": pose]], top: ["camera_angle_x": 0.6911112070083618],
                                   images: ["000.png": (16, 12)])
        let camera = try ViewsDataset.read(folder: synthetic)[0].camera
        XCTAssertEqual(camera.fx, 8 / tan(0.3455556), accuracy: 1e-3)
        XCTAssertEqual(camera.cx, 8)
    }

    func testBadInputNamesTheFile() throws {
        let cases: [(String, [[String: Any]], [String: Any], [String: (Int, Int)])] = [
            ("002.png: no such image", [["file_path": "002.png", "transform_matrix": pose]], ["fl_x": 40.0], ["000.png": (16, 12)]),
            ("transforms.json gives its camera 16x12", [["file_path": "000.png", "transform_matrix": pose],
                                                               ["file_path": "001.png", "transform_matrix": pose]],
             ["fl_x": 40.0], ["000.png": (16, 12), "001.png": (8, 12)]),
            ("transforms.json: no intrinsics for frame 0", [["file_path": "000.png", "transform_matrix": pose]], [:], ["000.png": (16, 12)]),
            ("transforms.json: frame 0 (000.png) has a non-finite", [["file_path": "000.png", "transform_matrix": [[1, 0, 0, "x"], [0, 1, 0, 0], [0, 0, 1, 3], [0, 0, 0, 1]]]],
             ["fl_x": 40.0], ["000.png": (16, 12)]),
        ]
        for (problem, frames, top, images) in cases {
            let dir = try folder(frames: frames, top: top, images: images)
            XCTAssertThrowsError(try ViewsDataset.read(folder: dir)) { XCTAssertTrue("\($0)".contains(problem), "\($0) (want \(problem))") }
        }
        // --downscale 100 resized 16x12 views to nothing (a trap); 8 px a side is the least left.
        let dir = try folder(frames: [["file_path": "000.png", "transform_matrix": pose]])
        XCTAssertThrowsError(try ViewsDataset.read(folder: dir, downscale: 100)) {
            XCTAssertTrue("\($0)".contains("000.png: is 16x12; --downscale 100 would leave 0x0 (views need at least 8 px a side)"), "\($0)")
        }
        XCTAssertThrowsError(try ViewsDataset.read(folder: dir, downscale: 2))
        let views = try ViewsDataset.read(folder: try folder(frames: [["file_path": "000.png", "transform_matrix": pose]], images: ["000.png": (16, 16)]),
                                          downscale: 2)
        XCTAssertEqual(views[0].camera.width, 8)
    }
}
