// Package web is ytharvest's read-only web UI (`ytharvest serve`) and its
// one-file HTML report (`ytharvest report`).
//
// Pages are rendered on the server with html/template, so that every
// title, description, context and transcript a page or YouTube supplied
// is escaped as the hostile input it may be; charts are inline SVG drawn
// here; the stylesheet is embedded and inlined, with its hash in the
// Content-Security-Policy, so a page needs no JavaScript and fetches
// nothing. The package reads through Store (db.DB implements it): it
// builds no SQL, and every query parameter is checked before it reaches
// the store — a bad one gets a 400 page.
//
// Files:
//
//	server.go     the Server: routes, security headers, basic auth, error pages
//	pages.go      one handler per page: overview, videos, video, channels, sites, search, vanished
//	params.go     query parameters: parsed, bounded, refused with 400
//	chart.go      the SVG charts: new videos per day per site, statuses, body against chrome
//	report.go     the self-contained report file
//	render.go     templates, their functions, the stylesheet and its CSP hash
//	templates/    one template per page, and the layout they share
//	assets/       the stylesheet
package web
