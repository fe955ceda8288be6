import ArgumentParser
import CommandSupport
import Foundation
import Imaging
import Pipeline

/// `orbit face portrait.jpg`: detections and landmarks, the aligned 112x112 crop and an annotated image.
struct FaceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "face", abstract: "Detect and align the face of a portrait (YuNet, ArcFace template).")

    @Argument(help: "Portrait (PNG or JPEG).")
    var image: String

    @Option(help: "Output folder for <name>_aligned.png and <name>_annotated.png (default: beside the image).")
    var out: String?

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    @Flag(help: "Replace existing <name>_aligned.png and <name>_annotated.png.")
    var force = false

    func run() throws {
        let base = URL(fileURLWithPath: image).deletingPathExtension().lastPathComponent
        let dir = out ?? OutputPaths.folder(of: image)
        let (alignedPath, annotatedPath) = dir.isEmpty ? ("\(base)_aligned.png", "\(base)_annotated.png")
            : ((dir as NSString).appendingPathComponent("\(base)_aligned.png"), (dir as NSString).appendingPathComponent("\(base)_annotated.png"))
        if !dir.isEmpty { try OutputPaths.checkFolder(dir) }
        try OutputPaths.checkFiles([alignedPath, annotatedPath], force: force, inputs: [image])
        let img = try ImageIO.read(image)
        guard let result = try FaceAnalysis.pretrained().analyse(img) else {
            throw CommandFailure("\(image): no face found")
        }
        try OutputPaths.create(dir.isEmpty ? "." : dir).cleaningUpOnFailure { try write(result, img, alignedPath, annotatedPath) }
        try report(result, alignedPath, annotatedPath)
    }

    func write(_ result: FaceAnalysis.Result, _ img: Image, _ alignedPath: String, _ annotatedPath: String) throws {
        try ImageIO.write(Image(tensor: result.aligned), to: alignedPath)
        var annotated = img.compositedRGB()
        for face in result.faces {
            let color: (Float, Float, Float) = face.area == result.chosen.area ? (0, 1, 0) : (1, 0.6, 0)
            annotated.drawRectangle(x: face.x, y: face.y, width: face.width, height: face.height, color: color)
            for (x, y) in face.landmarks { annotated.drawDot(x: x, y: y, color: (1, 0, 0)) }
        }
        try ImageIO.write(annotated, to: annotatedPath)
    }

    func report(_ result: FaceAnalysis.Result, _ alignedPath: String, _ annotatedPath: String) throws {
        if json {
            let faces = result.faces.map { f -> [String: Any] in
                ["box": [f.x, f.y, f.width, f.height], "landmarks": f.landmarks.map { [$0.0, $0.1] }, "score": f.score]
            }
            var object: [String: Any] = ["faces": faces, "chosen": result.faces.firstIndex { $0.area == result.chosen.area } ?? 0,
                                         "aligned": alignedPath, "annotated": annotatedPath]
            if let note = result.note { object["note"] = note }
            try printJSON(object)
            return
        }
        if let note = result.note { print("note: \(note)") }
        for (i, f) in result.faces.enumerated() {
            print(String(format: "face %d: box %.1f %.1f %.1f %.1f  score %.3f", i, f.x, f.y, f.width, f.height, f.score))
            let names = ["right eye", "left eye", "nose tip", "right mouth corner", "left mouth corner"]
            for (name, p) in zip(names, f.landmarks) { print(String(format: "  %@: %.1f %.1f", name, p.0, p.1)) }
        }
        print("wrote \(alignedPath) and \(annotatedPath)")
    }
}
