namespace Nic.Codec.Inference;

/// <summary>
/// A layer that acts on each pixel alone, in place (GDN, the activations): the layers that follow a convolution in a
/// line-buffered stream and that it runs on the rows where the convolution wrote them (<see cref="AnalysisStream"/>).
/// </summary>
internal interface IPointwiseLayer : ILayer
{
    /// <summary>
    /// The layer on the rows <paramref name="firstRow"/> … + <paramref name="rows"/> − 1 of <paramref name="map"/>, in
    /// place; the other rows are not read or written. The same results as <see cref="ILayer.Forward"/> on those rows.
    /// </summary>
    void ForwardRows(FeatureMap map, int firstRow, int rows, LayerContext context);
}
