import Foundation
import Imaging
import Tensor
import TestSupport
import XCTest

/// Image sizes the commands used to crash or run out of memory on: images under the metrics'
/// windows, images too large to compare, a turntable of 100000 px frames, faces in a 3072 px portrait.
extension OrbitCLITests {
    func writeNoise(_ path: String, side: Int, seed: UInt64) throws {
        try ImageIO.write(Image(width: side, height: side, channels: 3, pixels: Tensor.uniform([side * side * 3], low: 0, high: 1, seed: seed).toArray()),
                          to: path)
    }

    func testCompareMeasuresWhatFitsSmallImagesAndRefusesHugeOnes() throws {
        let dir = Fixtures.temporaryDirectory()
        for (side, ssim) in [(16, true), (7, false), (1, false)] {
            let (a, b) = ("\(dir)/a\(side).png", "\(dir)/b\(side).png")
            try writeNoise(a, side: side, seed: 1)
            try writeNoise(b, side: side, seed: 2)
            let run = try orbit(["compare", a, b, "--json"])
            XCTAssertEqual(run.status, 0, run.stderr)
            let json = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
            XCTAssertNotNil(json["psnr"] as? NSNumber)
            XCTAssertEqual(json["ssim"] is NSNull, !ssim, "SSIM needs 11 px: \(json)")
            XCTAssertTrue(json["lpips_alex"] is NSNull && json["lpips_vgg"] is NSNull, "LPIPS needs 32 px: \(json)")
            let text = try orbit(["compare", a, b])
            XCTAssertTrue(text.stdout.contains("LPIPS n/a (under 32 px)"), text.stdout)
        }
        let big = "\(dir)/big.png"
        try ImageIO.write(Image(width: 1100, height: 1000, channels: 3), to: big)
        let refused = try orbit(["compare", big, big])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("big.png: 1100x1000 (1100000 pixels) is over the 1048576 pixels orbit compare measures"), refused.stderr)
        XCTAssertEqual(refused.stdout, "")
    }

    /// YuNet misses faces that fill a 3072 px portrait; it now looks at a 1024 px copy and the box
    /// comes back in the portrait's pixels.
    func testFaceFindsTheFaceOfALargePortrait() throws {
        let dir = Fixtures.temporaryDirectory()
        let astronaut = try ImageIO.read(Fixtures.path("yunet/astronaut.png"))
        try ImageIO.write(astronaut.resized(width: 3072, height: 3072), to: dir + "/large.png")
        let run = try orbit(["face", dir + "/large.png", "--json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
        let box = ((json["faces"] as! [[String: Any]])[0]["box"] as! [NSNumber]).map(\.floatValue)
        let opencv = try Fixtures.file("yunet/detections.safetensors").tensor("astronaut").toArray()
        let scale = Float(3072) / Float(astronaut.width)  // the fixture's detections are in its 256 px
        for k in 0..<4 { XCTAssertEqual(box[k], scale * opencv[k], accuracy: scale * 3, "box in the large portrait's pixels") }
    }

    /// `splat eval` on views under 32 px (AlexNet's smallest input) leaves LPIPS out instead of trapping;
    /// a turntable of 100000 px frames is refused by validation.
    func testSplatEvalOnSmallViewsAndTurntableSizes() throws {
        let root = Fixtures.temporaryDirectory()
        XCTAssertEqual(try generate(try tinyModel(), out: root + "/views").status, 0)
        XCTAssertEqual(try splat(["fit", root + "/views", "--out", root + "/h.ply", "--iterations", "5", "--gaussians", "100"]).status, 0)
        // The same views at half size (16 px), intrinsics halved.
        let small = root + "/small"
        try FileManager.default.createDirectory(atPath: small, withIntermediateDirectories: true)
        var transforms = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: root + "/views/transforms.json"))) as! [String: Any]
        for key in ["fl_x", "fl_y", "cx", "cy", "w", "h"] {
            if let v = transforms[key] as? NSNumber { transforms[key] = key.count == 1 ? v.intValue / 2 as Any : v.doubleValue / 2 as Any }
        }
        for frame in transforms["frames"] as! [[String: Any]] {
            let name = frame["file_path"] as! String
            let image = try ImageIO.read(root + "/views/" + name)
            try ImageIO.write(image.resized(width: 16, height: 16, filter: .area), to: small + "/" + name)
        }
        try JSONSerialization.data(withJSONObject: transforms).write(to: URL(fileURLWithPath: small + "/transforms.json"))
        let eval = try splat(["eval", root + "/h.ply", small])
        XCTAssertEqual(eval.status, 0, eval.stderr)
        XCTAssertTrue(eval.stdout.contains("LPIPS n/a (views under 32 px)"), eval.stdout)

        for (arguments, problem) in [(["--size", "100000"], "16 <= --size <= 4096"),
                                     (["--size", "4096", "--frames", "120"], "120 frames of 4096x4096 exceed 134217728 pixels")] {
            let render = try splat(["render", root + "/h.ply", "--turntable", "--out", root + "/t.gif"] + arguments)
            XCTAssertNotEqual(render.status, 0)
            XCTAssertTrue(render.stderr.contains(problem), render.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/t.gif"))
        }
    }
}
