import ArgumentParser
import CommandSupport
import Foundation
import Splat

/// `splat export head.ply --format splat|spz|ply`: the antimatter15 `.splat`, Niantic's `.spz` (or a
/// re-written PLY).
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Convert splats: the web viewers' .splat, Niantic's compact .spz, or a clean INRIA PLY.")

    @Argument(help: "Input PLY (INRIA 3DGS layout) or .spz.")
    var input: String

    @Option(help: "splat, spz or ply.")
    var format = SplatFormat.splat

    @Option(help: "Output file (default: the input with the format's extension).")
    var out: String?

    func run() throws {
        let g = try SplatFormat.read(input)
        let path = out ?? ((input as NSString).deletingPathExtension + "." + format.rawValue)
        if path == input { throw CommandFailure("\(path): refusing to overwrite the input; pass --out") }
        try format.write(g, to: path)
        print("wrote \(path): \(g.count) Gaussians")
    }
}
