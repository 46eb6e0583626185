/* A shared library without the ADE entry points, for load-model-c.test. */
int not_a_model(void) { return 0; }
