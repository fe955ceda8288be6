import ArgumentParser
import Foundation
import Models
import NN
import Tensor

/// `orbit verify-model --model DIR --io FILE`: runs a diffusers-layout model directory (config.json +
/// diffusion_pytorch_model.safetensors) on inputs stored under diffusers' forward-argument names and
/// prints the largest absolute difference to the stored output: how a user checks a converted
/// checkpoint against the framework that produced FILE.
struct VerifyModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-model",
        abstract: "Run a diffusers-layout model on stored inputs and compare with the stored output.",
        discussion: """
            Supported: UNetSpatioTemporalConditionModel. FILE holds `sample` [B,F,C,H,W], `timestep` [B], \
            `encoder_hidden_states` [B,L,D], `added_time_ids` [B,n] or `added_time_ids_per_frame` [B,F,n], and `out`.
            """)

    @Option(help: "Model directory (config.json and diffusion_pytorch_model.safetensors).")
    var model: String

    @Option(help: "Safetensors file with the inputs and the expected output.")
    var io: String

    @Flag(help: "Print one JSON object {\"max_abs_diff\": x, \"outputs\": n}.")
    var json = false

    func run() throws {
        let configPath = model + "/config.json", weightsPath = model + "/diffusion_pytorch_model.safetensors"
        for path in [configPath, weightsPath, io] where !FileManager.default.fileExists(atPath: path) {
            throw CommandFailure("\(path): no such file")
        }
        let config = try UNetSpatioTemporalConfig(diffusersConfigAt: configPath)
        let unet = try WeightLoader.load(path: weightsPath) { try UNetSpatioTemporal($0, config: config) }
        let file = try SafeTensorsFile(path: io)
        let ids = try file.entries["added_time_ids_per_frame"] != nil ? file.tensor("added_time_ids_per_frame")
                                                                        : file.tensor("added_time_ids")
        let (sample, timestep, context) = (try file.tensor("sample"), try file.tensor("timestep"),
                                           try file.tensor("encoder_hidden_states"))
        let (b, f) = (sample.shape[0], sample.shape[1])
        guard sample.rank == 5, sample.shape[2] == config.inChannels, timestep.shape == [b],
              context.rank == 3, context.shape[0] == b, context.shape[2] == config.contextDim,
              ids.shape == [b, config.addedTimeIdWidths.count] || ids.shape == [b, f, config.addedTimeIdWidths.count]
        else {
            throw CommandFailure("\(io): inputs do not fit the model: sample \(sample.shape) (want [B, F, \(config.inChannels), H, W]), "
                                 + "timestep \(timestep.shape), encoder_hidden_states \(context.shape) (want [B, L, \(config.contextDim)]), "
                                 + "added time ids \(ids.shape) (want [B, \(config.addedTimeIdWidths.count)] or [B, F, n])")
        }
        let factor = 1 << (config.blockChannels.count - 1)
        guard sample.shape[3] % factor == 0, sample.shape[4] % factor == 0 else {
            throw CommandFailure("\(io): sample height and width must be multiples of \(factor)")
        }
        let expected = try file.tensor("out")
        let out = noGrad { unet(sample, timestep: timestep, context: context, addedTimeIds: ids) }
        guard out.shape == expected.shape else {
            throw CommandFailure("\(io): out is \(expected.shape) but the model produced \(out.shape)")
        }
        let (a, e) = (out.toArray(), expected.toArray())
        let diff = zip(a, e).map { abs($0 - $1) }.max() ?? 0
        if json {
            let object: [String: Any] = ["max_abs_diff": diff, "outputs": a.count]
            try printJSON(object)
        } else {
            print("\(io): max |difference| \(String(format: "%.3g", diff)) over \(a.count) outputs")
        }
    }
}
