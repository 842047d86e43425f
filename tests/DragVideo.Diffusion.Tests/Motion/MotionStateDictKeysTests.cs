using System.Text.Json;
using DragVideo.Diffusion.Modules.Motion;
using DragVideo.Diffusion.Modules.Unet;
using DragVideo.Testing;

namespace DragVideo.Diffusion.Tests.Motion;

public class MotionStateDictKeysTests
{
    [Fact]
    public void Tiny_motion_unet_state_dict_names_and_shapes_equal_the_diffusers_fixture_list()
    {
        DragVideo.TorchRuntime.EnsureLoaded();
        var unetConfig = UNet2DConditionConfig.FromJsonFile(Fixtures.PathOf("motion", "unet_motion", "config.json"));
        var adapterConfig = MotionAdapterConfig.FromJsonFile(Fixtures.PathOf("motion", "motion_adapter", "config.json"));
        using var model = new UNetMotionModel(unetConfig, adapterConfig);

        var expected = ReadKeyList(Fixtures.PathOf("motion", "unet_motion", "state_dict_keys.json"));
        var actual = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);

        actual.Keys.Except(expected.Keys).Should().BeEmpty("the model must have no keys diffusers lacks");
        expected.Keys.Except(actual.Keys).Should().BeEmpty("the model must have every diffusers key");
        foreach (var (key, shape) in expected)
            actual[key].Should().Equal(shape, $"the shape of {key} must match diffusers");
        actual.Should().HaveCount(601);
    }

    [Fact]
    public void Tiny_unet2d_state_dict_is_the_motion_list_without_motion_modules()
    {
        DragVideo.TorchRuntime.EnsureLoaded();
        var config = UNet2DConditionConfig.FromJsonFile(Fixtures.PathOf("unet2d", "config.json"));
        using var model = new UNet2DConditionModel(config);
        var expected = ReadKeyList(Fixtures.PathOf("motion", "unet_motion", "state_dict_keys.json"))
            .Where(kv => !kv.Key.Contains(".motion_modules.", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key, kv => kv.Value);

        var actual = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);

        actual.Keys.Should().BeEquivalentTo(expected.Keys);
        foreach (var (key, shape) in expected)
            actual[key].Should().Equal(shape, $"the shape of {key} must match diffusers");
        actual.Should().HaveCount(304, "the unet2d fixture holds 304 tensors");
    }

    internal static Dictionary<string, long[]> ReadKeyList(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(e => e.GetInt64()).ToArray());
    }
}
