/// Reading and writing a diffusers `config.json` for AutoencoderKLTemporalDecoder.
extension VAEEncoder.Config {
    /// The config.json object diffusers builds this model from.
    public var diffusersConfig: [String: Any] {
        var object: [String: Any] = [
            "_class_name": "AutoencoderKLTemporalDecoder", "_diffusers_version": "0.42.1",
            "in_channels": inChannels, "out_channels": inChannels, "block_out_channels": blockOutChannels,
            "down_block_types": Array(repeating: "DownEncoderBlock2D", count: blockOutChannels.count),
            "layers_per_block": layersPerBlock, "latent_channels": latentChannels,
            "scaling_factor": scalingFactor,
        ]
        if groups != 32 { object["norm_num_groups"] = groups }
        return object
    }

    public init(diffusersConfigAt path: String) throws {
        let file = try ModelConfigFile(path: path)
        try file.require(className: "AutoencoderKLTemporalDecoder")
        var c = VAEEncoder.Config.sd
        c.blockOutChannels = try file.ints("block_out_channels") ?? c.blockOutChannels
        c.layersPerBlock = try file.int("layers_per_block") ?? c.layersPerBlock
        c.latentChannels = try file.int("latent_channels") ?? c.latentChannels
        c.inChannels = try file.int("in_channels") ?? c.inChannels
        c.groups = try file.int("norm_num_groups") ?? c.groups
        c.scalingFactor = try file.double("scaling_factor").map(Float.init) ?? c.scalingFactor
        if let out = try file.int("out_channels"), out != c.inChannels {
            throw file.fail("out_channels \(out) must equal in_channels \(c.inChannels)")
        }
        try file.requirePositive(["block_out_channels": c.blockOutChannels, "layers_per_block": [c.layersPerBlock],
                                  "latent_channels": [c.latentChannels], "in_channels": [c.inChannels], "norm_num_groups": [c.groups]])
        try file.requireLayerCounts(["layers_per_block": c.layersPerBlock, "levels of block_out_channels": c.blockOutChannels.count])
        try file.require("norm_num_groups", c.groups, divides: "block_out_channels", c.blockOutChannels)
        guard c.scalingFactor.isFinite, c.scalingFactor > 0 else { throw file.fail("scaling_factor must be a positive number, got \(c.scalingFactor)") }
        self = c
    }
}
