/* The whole of a layering-check executable (CMakeLists.txt, ds_layer_*): it
 * exists only to be linked, so that a stage calling a later stage fails. */
int main(void)
{
    return 0;
}
