namespace Nic.Format;

/// <summary>How the encoder extends the image to a multiple of the alignment (spec/nic-format.md §7.1, <c>padding_rule</c>).</summary>
public enum NicPaddingRule
{
    /// <summary>
    /// The right and bottom edges are extended by replicating the last column and row; the
    /// decoder crops the top-left width × height pixels.
    /// </summary>
    ReplicateEdges = 0,
}
