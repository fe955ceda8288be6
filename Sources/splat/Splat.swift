import ArgumentParser

@main
struct Splat: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "splat",
        abstract: "3D Gaussian Splatting on the CPU: fit, render, export, eval.",
        discussion: "The trainer and renderer subcommands (fit, render, export, eval) arrive with the splat issue.",
        version: "0.1.0"
    )

    func run() throws {
        print(Splat.helpMessage())
    }
}
