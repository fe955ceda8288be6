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

    @Flag(help: "Replace an existing output file (never the input).")
    var force = false

    func run() throws {
        let path = out ?? ((input as NSString).deletingPathExtension + "." + format.rawValue)
        try OutputPaths.checkFiles([path], force: force, inputs: [input])
        let g = try SplatFormat.read(input)
        try format.write(g, to: path)
        print("wrote \(path): \(g.count) Gaussians")
    }
}
