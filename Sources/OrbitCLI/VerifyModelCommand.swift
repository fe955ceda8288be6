import ArgumentParser
import CommandSupport
import Foundation
import Pipeline

/// `orbit verify-model --model DIR --io FILE`: runs a diffusers-layout model directory (config.json +
/// diffusion_pytorch_model.safetensors) on inputs stored under diffusers' forward-argument names and
/// prints the largest absolute difference to the stored outputs: how a user checks a converted
/// checkpoint against the framework that produced FILE.
struct VerifyModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-model",
        abstract: "Run a diffusers-layout model on stored inputs and compare with the stored output.",
        discussion: """
            FILE holds calls' arguments under diffusers' names, shaped as diffusers takes them, and the outputs kept; \
            every stored output whose inputs are there is compared, the others are listed, and a FILE with nothing \
            comparable is an error.
            UNetSpatioTemporalConditionModel: `sample` [B,F,C,H,W], `timestep` [B] (or [1] or [] for the batch), \
            `encoder_hidden_states` [B,L,D], `added_time_ids` [B,n] or `added_time_ids_per_frame` [B,F,n] -> `out` (or `noise_pred`).
            AutoencoderKLTemporalDecoder: encode's `x` (or `image`) [N,3,H,W] -> `mean`, `logvar`; decode's `z` [B*F,C,h,w] \
            or [B,F,C,h,w] (or `z_frames`) -> `sample` (or `decoded`); the frame count from `num_frames` in FILE, a \
            [B,F,...] shape, the config's (or the pipeline's unet/config.json) `num_frames`, else the count that matches.
            CLIPVisionModelWithProjection (transformers config.json, model.safetensors): `pixel_values` -> `image_embeds`.
            """)

    @Option(help: "Model directory (config.json and diffusion_pytorch_model.safetensors).")
    var model: String

    @Option(help: "Safetensors file with the inputs and the expected outputs.")
    var io: String

    @Flag(help: "Print one JSON object {\"max_abs_diff\": x, \"outputs\": n, \"compared\": {name: {...}}, \"notes\": [...]}.")
    var json = false

    func run() throws {
        let verification = try ModelVerification.run(model: model, io: io)
        let compared = verification.compared
        if json {
            let each = Dictionary(uniqueKeysWithValues: compared.map { ($0.name, ["max_abs_diff": $0.maxAbsDifference, "outputs": $0.values] as [String: Any]) })
            try printJSON(["max_abs_diff": verification.maxAbsDifference, "outputs": verification.values, "compared": each,
                           "notes": verification.notes])
        } else {
            print("\(io): max |difference| \(String(format: "%.3g", verification.maxAbsDifference)) over \(verification.values) outputs ("
                  + compared.map { "\($0.name) \(String(format: "%.3g", $0.maxAbsDifference))" }.joined(separator: ", ") + ")")
            for note in verification.notes { print("note: \(note)") }
        }
    }
}
