import ArgumentParser
import Tensor

@main
struct Splat: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "splat",
        abstract: "3D Gaussian Splatting on the CPU: fit, render, export, eval, view.",
        version: "0.2.0",
        subcommands: [FitCommand.self, RenderCommand.self, ExportCommand.self, EvalCommand.self, ViewCommand.self]
    )

    static func main() {
        MallocPolicy.retainFreedMemory()
        main(nil)
    }
}
