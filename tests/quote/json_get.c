/*
 * json_get FILE PATH: prints the JSON value at a dotted path (object keys
 * and array indexes, e.g. "a.b.0.c"), strings without quotes and other
 * values as compact JSON. Exit 1 when the file or the path is missing.
 * A test helper, so that script tests need no outside JSON tool.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

static json_t *
json_get_step(json_t *v, const char *step)
{
	unsigned long index;
	char *end;

	if (json_is_object(v))
		return json_object_get(v, step);
	if (!json_is_array(v))
		return NULL;
	errno = 0;
	index = strtoul(step, &end, 10);
	if (errno != 0 || end == step || *end != '\0')
		return NULL;
	return json_array_get(v, index);
}

static json_t *
json_get_path(json_t *root, const char *path)
{
	char *copy = strdup(path), *save = NULL, *step;
	json_t *v = root;

	if (copy == NULL)
		return NULL;
	for (step = strtok_r(copy, ".", &save); step != NULL && v != NULL;
	     step = strtok_r(NULL, ".", &save))
		v = json_get_step(v, step);
	free(copy);
	return v;
}

int
main(int argc, char **argv)
{
	json_error_t error;
	json_t *root, *v;
	char *text;

	if (argc != 3) {
		fprintf(stderr, "usage: json_get FILE PATH\n");
		return 2;
	}
	if ((root = json_load_file(argv[1], 0, &error)) == NULL) {
		fprintf(stderr, "json_get: %s: %s\n", argv[1], error.text);
		return 1;
	}
	if ((v = json_get_path(root, argv[2])) == NULL) {
		fprintf(stderr, "json_get: no %s\n", argv[2]);
		json_decref(root);
		return 1;
	}
	if (json_is_string(v)) {
		puts(json_string_value(v));
	} else {
		text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
		puts(text != NULL ? text : "");
		free(text);
	}
	json_decref(root);
	return 0;
}
