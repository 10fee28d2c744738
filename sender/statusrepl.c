/* statusrepl.c - the status page's replication part (see statusrepl.h). */
#include "lib/replstate.h"
#include "sender/statusrepl.h"

json_object *
statusrepl_json(const struct statusdata *sd)
{
	const struct replstate *st = &sd->repl;
	json_object *o, *arr, *s;
	size_t i;

	if (!sd->repl_on)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "role",
	    json_object_new_string(replstate_role_name(st->role)));
	json_object_object_add(o, "master", st->master_url[0] != '\0' ?
	    json_object_new_string(st->master_url) : NULL);
	arr = json_object_new_array();
	for (i = 0; i < st->nsites; i++) {
		s = json_object_new_object();
		json_object_object_add(s, "address",
		    json_object_new_string(st->sites[i].addr));
		json_object_object_add(s, "role", json_object_new_string(
		    st->sites[i].master ? "master" : "client"));
		json_object_object_add(s, "connected",
		    json_object_new_boolean(st->sites[i].connected));
		json_object_object_add(s, "lag_bytes",
		    st->sites[i].lag_bytes >= 0 ?
		    json_object_new_int64(st->sites[i].lag_bytes) : NULL);
		json_object_array_add(arr, s);
	}
	json_object_object_add(o, "sites", arr);
	return o;
}

void
statusrepl_put(struct html *p, const struct statusdata *sd)
{
	const struct replstate *st = &sd->repl;
	size_t i;

	if (!sd->repl_on)
		return;
	html_put(p, "<section aria-labelledby=\"replication\"><h2 "
	    "id=\"replication\">Replication</h2>\n<p>This site is <strong>");
	html_text(p, replstate_role_name(st->role));
	html_put(p, "</strong>; master: ");
	if (st->master_url[0] != '\0') {
		html_put(p, "<code>");
		html_text(p, st->master_url);
		html_put(p, "</code>");
	} else
		html_put(p, "<span class=\"tag bad\">none known</span>");
	html_put(p, "</p>\n<table><thead><tr><th>Site</th><th>Role</th>"
	    "<th>Connected</th><th>Lag</th></tr></thead><tbody>\n");
	for (i = 0; i < st->nsites; i++) {
		html_put(p, "<tr><td><code>");
		html_text(p, st->sites[i].addr);
		html_put(p, i == 0 ? "</code> (this site)</td><td>" :
		    "</code></td><td>");
		html_put(p, st->sites[i].master ? "master" : "client");
		html_put(p, st->sites[i].connected ? "</td><td>yes</td><td>" :
		    "</td><td><span class=\"tag bad\">no</span></td><td>");
		if (st->sites[i].lag_bytes >= 0)
			html_putf(p, "%lld bytes",
			    (long long)st->sites[i].lag_bytes);
		else
			html_put(p, "—");
		html_put(p, "</td></tr>\n");
	}
	html_put(p, "</tbody></table></section>\n");
}
