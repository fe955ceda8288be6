import Foundation
import Models
import NN
import Tensor

/// The calls `orbit verify-model` runs, by model class, under the names diffusers and transformers
/// give their arguments and outputs.
extension ModelVerification {
    /// CLIPVisionModelWithProjection: `pixel_values` [N, 3, S, S] -> `image_embeds` [N, projection].
    mutating func clip(_ config: CLIPVision.Config, weights: String, _ calls: inout StoredCalls) throws {
        guard let output = calls.output(["image_embeds"], of: [["pixel_values"]], call: "the image encoder") else { return }
        let clip = try WeightLoader.load(path: weights) { try CLIPVision($0, config: config) }
        let pixels = try calls.tensor(["pixel_values"]), size = config.imageSize
        guard pixels.rank == 4, pixels.shape[0] > 0, Array(pixels.shape[1...]) == [3, size, size] else {
            throw Failure("\(calls.path): pixel_values is \(pixels.shape), want [N, 3, \(size), \(size)] with N >= 1")
        }
        try compare(output, produced: noGrad { clip(pixels) }, expected: try calls.tensor([output]), io: calls.path)
    }

    /// UNetSpatioTemporalConditionModel's forward: `sample` [B, F, C, H, W], `timestep` [B] (or one for
    /// the batch, [1] or [], as the pipeline passes it), `encoder_hidden_states` [B, L, D],
    /// `added_time_ids` [B, n] (or Orbit's per-frame cameras `added_time_ids_per_frame` [B, F, n]) ->
    /// `out` [B, F, C', H, W] (the output's own field name, `sample`, is the input's; SVD's pipeline
    /// calls it `noise_pred`).
    mutating func unet(_ config: UNetSpatioTemporalConfig, weights: String, _ calls: inout StoredCalls) throws {
        let ids = ["added_time_ids_per_frame", "added_time_ids"]
        guard let output = calls.output(["out", "noise_pred"], of: [["sample"], ["timestep"], ["encoder_hidden_states"], ids],
                                        call: "the UNet") else { return }
        let unet = try WeightLoader.load(path: weights) { try UNetSpatioTemporal($0, config: config) }
        let (sample, timestep) = (try calls.tensor(["sample"]), try calls.tensor(["timestep"]))
        let (context, addedTimeIds) = (try calls.tensor(["encoder_hidden_states"]), try calls.tensor(ids))
        if let problem = unet.inputProblem(sample: sample, timestep: timestep, context: context, addedTimeIds: addedTimeIds) {
            throw Failure("\(calls.path): \(problem)")
        }
        let out = noGrad { unet(sample, timestep: timestep, context: context, addedTimeIds: addedTimeIds) }
        try compare(output, produced: out, expected: try calls.tensor([output]), io: calls.path)
    }

    /// AutoencoderKLTemporalDecoder: `encode(x)` (`x`, or `image`, [N, 3, H, W]) -> its latent_dist's
    /// `mean` and `logvar`; `decode(z, num_frames)` (`z` [B*F, C, h, w] as diffusers takes it, or
    /// [B, F, C, h, w]; `z_frames` [B, F, C, h, w]) -> the DecoderOutput's `sample` (or `decoded`),
    /// [B*F, 3, H, W] or [B, F, 3, H, W]; the frame count as `decodedFrames` finds it.
    mutating func vae(_ config: VAEEncoder.Config, model: String, weights: String, _ calls: inout StoredCalls) throws {
        var loaded: AutoencoderKLTemporalDecoder?
        func vae() throws -> AutoencoderKLTemporalDecoder {
            if loaded == nil { loaded = try WeightLoader.load(path: weights) { try AutoencoderKLTemporalDecoder($0, config: config) } }
            return loaded!
        }
        let image = ["x", "image"], factor = 1 << (config.blockOutChannels.count - 1)
        let mean = calls.output(["mean"], of: [image], call: "encode"), logvar = calls.output(["logvar"], of: [image], call: "encode")
        if mean != nil || logvar != nil {
            let x = try calls.tensor(image), encoder = try vae().encoder
            guard x.rank == 4, x.shape.allSatisfy({ $0 > 0 }), x.shape[1] == config.inChannels, x.shape[2] % factor == 0, x.shape[3] % factor == 0 else {
                throw Failure("\(calls.path): \(calls.name(image)!) is \(x.shape), want [N, \(config.inChannels), H, W] with N >= 1 "
                              + "and H and W positive multiples of \(factor)")
            }
            let moments = noGrad { encoder(x) }
            if let mean { try compare(mean, produced: moments.mean, expected: try calls.tensor([mean]), io: calls.path) }
            // diffusers' DiagonalGaussianDistribution clamps logvar to [-30, 20].
            if let logvar { try compare(logvar, produced: moments.logvar.clamped(-30, 20), expected: try calls.tensor([logvar]), io: calls.path) }
        }

        let latents = ["z", "z_frames"]
        guard let output = calls.output(["sample", "decoded"], of: [latents], call: "decode") else { return }
        let z = try calls.tensor(latents), expected = try calls.tensor([output])
        guard z.rank == 4 || z.rank == 5, z.shape.allSatisfy({ $0 > 0 }), z.shape[z.rank - 3] == config.latentChannels else {
            throw Failure("\(calls.path): \(calls.name(latents)!) is \(z.shape), want [B*F, \(config.latentChannels), h, w] or "
                          + "[B, F, \(config.latentChannels), h, w] with every size at least 1")
        }
        let rows = z.shape.dropLast(3).reduce(1, *), flat = z.reshaped([rows] + Array(z.shape.suffix(3)))
        let frames = try decodedFrames(rows: rows, z: z, expected: expected, model: model, &calls)
        let decoder = try vae()
        // [B*F, 3, H, W], shaped as stored ([B, F, 3, H, W] when so).
        func decode(_ f: Int) -> Tensor {
            let out = noGrad { decoder.decode(flat, frames: f) }
            return expected.rank == 5 && expected.count == out.count ? out.reshaped(expected.shape) : out
        }
        guard frames.counts.count > 1 else {
            note("num_frames \(frames.counts[0]) (\(frames.source))")
            return try compare(output, produced: decode(frames.counts[0]), expected: expected, io: calls.path)
        }
        let tried = frames.counts.map { f in (f, decode(f)) }.map { f, out in
            (f, out, out.shape == expected.shape ? Self.maxAbsDifference(out, expected) : .infinity)
        }
        let best = tried.min { $0.2 < $1.2 }!
        note("num_frames \(best.0) (\(frames.source); max |difference| by count: "
             + tried.map { "\($0.0): \(String(format: "%.3g", $0.2))" }.joined(separator: ", ") + ")")
        try compare(output, produced: best.1, expected: expected, io: calls.path)
    }

    /// The frame count of decode's `rows` latents, first found of: `num_frames` in the IO file (decode's
    /// own argument, saved as a tensor); a [B, F, ...] shape of the latents or of the stored output;
    /// `num_frames` of the model's config.json, or of the pipeline's unet/config.json beside it (what
    /// StableVideoDiffusionPipeline defaults to), when it divides `rows`; else every count dividing
    /// `rows`, of which the caller takes the one whose decoding matches the stored output.
    func decodedFrames(rows: Int, z: Tensor, expected: Tensor, model: String,
                       _ calls: inout StoredCalls) throws -> (counts: [Int], source: String) {
        if calls.has(["num_frames"]) {
            let stored = try calls.tensor(["num_frames"])
            guard stored.count == 1, let f = Int(exactly: stored.toArray()[0]), f >= 1, rows % f == 0 else {
                throw Failure("\(calls.path): num_frames \(stored.toArray()) is not one whole number >= 1 dividing the \(rows) latents")
            }
            return ([f], "num_frames in the IO file")
        }
        if z.rank == 5 { return ([z.shape[1]], "the latents' [B, F, C, h, w] shape") }
        if expected.rank == 5, expected.shape[0] * expected.shape[1] == rows { return ([expected.shape[1]], "the stored output's [B, F, 3, H, W] shape") }
        let parent = URL(fileURLWithPath: model).standardizedFileURL.deletingLastPathComponent().path
        for path in [model + "/config.json", parent + "/unet/config.json"] where FileManager.default.fileExists(atPath: path) {
            if let f = try ModelConfigFile(path: path).int("num_frames"), f >= 1, rows % f == 0 { return ([f], "\(path)'s num_frames") }
        }
        let divisors = (1...rows).filter { rows % $0 == 0 }
        return (divisors, "not given: of the counts dividing the \(rows) latents, the one whose decoding matches the stored output")
    }
}
