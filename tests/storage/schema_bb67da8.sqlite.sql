-- The SQLite schema that main at bb67da8, the last version before migrations, made on an empty
-- database (create_schema: SQLModel.metadata.create_all). tests/storage/test_migrations.py
-- builds a database of that release from it and upgrades it. Never edit: offices have it on disk.

CREATE TABLE resident (
	id INTEGER NOT NULL,
	tg_user_id BIGINT NOT NULL,
	name VARCHAR NOT NULL,
	username VARCHAR NOT NULL,
	community_code VARCHAR,
	building VARCHAR,
	unit VARCHAR,
	room VARCHAR,
	phone VARCHAR,
	phone_consent_at DATETIME,
	blocked_bot BOOLEAN NOT NULL,
	created_at DATETIME NOT NULL,
	PRIMARY KEY (id),
	UNIQUE (tg_user_id)
);

CREATE TABLE staff (
	id INTEGER NOT NULL,
	tg_user_id BIGINT NOT NULL,
	name VARCHAR NOT NULL,
	role VARCHAR NOT NULL,
	scope_kind VARCHAR NOT NULL,
	scope_code VARCHAR NOT NULL,
	active BOOLEAN NOT NULL,
	joined_at DATETIME NOT NULL,
	PRIMARY KEY (id),
	UNIQUE (tg_user_id)
);

CREATE TABLE invitecode (
	code VARCHAR NOT NULL,
	role VARCHAR NOT NULL,
	scope_kind VARCHAR NOT NULL,
	scope_code VARCHAR NOT NULL,
	note VARCHAR NOT NULL,
	created_at DATETIME NOT NULL,
	expires_at DATETIME NOT NULL,
	used_by BIGINT,
	used_at DATETIME,
	PRIMARY KEY (code)
);

CREATE TABLE staffgroup (
	id INTEGER NOT NULL,
	chat_id BIGINT NOT NULL,
	title VARCHAR NOT NULL,
	scope_kind VARCHAR NOT NULL,
	scope_code VARCHAR NOT NULL,
	categories JSON NOT NULL,
	grids JSON NOT NULL,
	triage BOOLEAN NOT NULL,
	is_forum BOOLEAN NOT NULL,
	active BOOLEAN NOT NULL,
	bound_by BIGINT NOT NULL,
	bound_at DATETIME NOT NULL,
	PRIMARY KEY (id),
	UNIQUE (chat_id)
);

CREATE TABLE dailycounter (
	"key" VARCHAR NOT NULL,
	last INTEGER NOT NULL,
	PRIMARY KEY ("key")
);

CREATE TABLE inboxupdate (
	update_id BIGINT NOT NULL,
	chat_id BIGINT,
	kind VARCHAR NOT NULL,
	payload TEXT NOT NULL,
	status VARCHAR NOT NULL,
	attempts INTEGER NOT NULL,
	received_at DATETIME NOT NULL,
	next_attempt_at DATETIME NOT NULL,
	claimed_until DATETIME,
	handled_at DATETIME,
	last_error VARCHAR,
	PRIMARY KEY (update_id)
);

CREATE TABLE draft (
	tg_user_id BIGINT NOT NULL,
	chat_id BIGINT NOT NULL,
	kind VARCHAR NOT NULL,
	petition_id INTEGER,
	payload JSON NOT NULL,
	created_at DATETIME NOT NULL,
	PRIMARY KEY (tg_user_id, chat_id)
);

CREATE TABLE calendar_day (
	day DATE NOT NULL,
	workday BOOLEAN NOT NULL,
	name VARCHAR NOT NULL,
	imported_at DATETIME NOT NULL,
	PRIMARY KEY (day)
);

CREATE TABLE petition (
	id INTEGER NOT NULL,
	number VARCHAR NOT NULL,
	channel VARCHAR NOT NULL,
	status VARCHAR NOT NULL,
	community_code VARCHAR NOT NULL,
	street_code VARCHAR NOT NULL,
	grid_code VARCHAR,
	resident_id INTEGER,
	visitor_name VARCHAR,
	visitor_phone VARCHAR,
	category VARCHAR NOT NULL,
	confidence FLOAT NOT NULL,
	runner_up VARCHAR,
	keywords JSON NOT NULL,
	tokens JSON NOT NULL,
	urgent BOOLEAN NOT NULL,
	urgent_words JSON NOT NULL,
	complex BOOLEAN NOT NULL,
	triage BOOLEAN NOT NULL,
	building VARCHAR,
	unit VARCHAR,
	room VARCHAR,
	text TEXT NOT NULL,
	group_chat_id BIGINT,
	handler_staff_id INTEGER,
	merged_into_id INTEGER,
	duplicate_of_id INTEGER,
	result TEXT,
	reject_reason VARCHAR,
	rating VARCHAR,
	reopen_count INTEGER NOT NULL,
	created_at DATETIME NOT NULL,
	last_message_at DATETIME NOT NULL,
	first_response_at DATETIME,
	resolved_at DATETIME,
	closed_at DATETIME,
	rated_at DATETIME,
	resolve_started_at DATETIME,
	respond_due DATETIME,
	resolve_due DATETIME,
	paused_at DATETIME,
	respond_remind_at DATETIME,
	resolve_remind_at DATETIME,
	respond_step INTEGER NOT NULL,
	resolve_step INTEGER NOT NULL,
	overdue BOOLEAN NOT NULL,
	version INTEGER NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(resident_id) REFERENCES resident (id),
	FOREIGN KEY(handler_staff_id) REFERENCES staff (id),
	FOREIGN KEY(merged_into_id) REFERENCES petition (id),
	FOREIGN KEY(duplicate_of_id) REFERENCES petition (id)
);

CREATE TABLE weblogin (
	token_hash VARCHAR NOT NULL,
	staff_id INTEGER NOT NULL,
	created_at DATETIME NOT NULL,
	expires_at DATETIME NOT NULL,
	used_at DATETIME,
	PRIMARY KEY (token_hash),
	FOREIGN KEY(staff_id) REFERENCES staff (id)
);

CREATE TABLE websession (
	token_hash VARCHAR NOT NULL,
	staff_id INTEGER NOT NULL,
	csrf VARCHAR NOT NULL,
	created_at DATETIME NOT NULL,
	expires_at DATETIME NOT NULL,
	PRIMARY KEY (token_hash),
	FOREIGN KEY(staff_id) REFERENCES staff (id)
);

CREATE TABLE petitionmessage (
	id INTEGER NOT NULL,
	petition_id INTEGER NOT NULL,
	direction VARCHAR NOT NULL,
	chat_id BIGINT NOT NULL,
	message_id BIGINT NOT NULL,
	kind VARCHAR NOT NULL,
	text TEXT NOT NULL,
	file_id VARCHAR,
	latitude FLOAT,
	longitude FLOAT,
	staff_id INTEGER,
	created_at DATETIME NOT NULL,
	PRIMARY KEY (id),
	UNIQUE (chat_id, message_id, direction),
	FOREIGN KEY(petition_id) REFERENCES petition (id),
	FOREIGN KEY(staff_id) REFERENCES staff (id)
);

CREATE TABLE petitionevent (
	id INTEGER NOT NULL,
	petition_id INTEGER NOT NULL,
	at DATETIME NOT NULL,
	actor_kind VARCHAR NOT NULL,
	actor_id INTEGER,
	action VARCHAR NOT NULL,
	from_status VARCHAR,
	to_status VARCHAR,
	detail JSON NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(petition_id) REFERENCES petition (id)
);

CREATE TABLE cardmessage (
	id INTEGER NOT NULL,
	petition_id INTEGER NOT NULL,
	chat_id BIGINT NOT NULL,
	message_id BIGINT,
	thread_id BIGINT,
	created_at DATETIME NOT NULL,
	PRIMARY KEY (id),
	UNIQUE (petition_id, chat_id),
	FOREIGN KEY(petition_id) REFERENCES petition (id)
);

CREATE TABLE outbox (
	id INTEGER NOT NULL,
	kind VARCHAR NOT NULL,
	chat_id BIGINT NOT NULL,
	petition_id INTEGER,
	payload JSON NOT NULL,
	status VARCHAR NOT NULL,
	attempts INTEGER NOT NULL,
	created_at DATETIME NOT NULL,
	next_attempt_at DATETIME NOT NULL,
	claimed_until DATETIME,
	sent_at DATETIME,
	last_error VARCHAR,
	PRIMARY KEY (id),
	FOREIGN KEY(petition_id) REFERENCES petition (id)
);

CREATE TABLE correction (
	id INTEGER NOT NULL,
	petition_id INTEGER NOT NULL,
	text TEXT NOT NULL,
	from_category VARCHAR NOT NULL,
	to_category VARCHAR NOT NULL,
	staff_id INTEGER,
	at DATETIME NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(petition_id) REFERENCES petition (id),
	FOREIGN KEY(staff_id) REFERENCES staff (id)
);

CREATE INDEX ix_resident_community_code ON resident (community_code);

CREATE INDEX ix_staff_scope_code ON staff (scope_code);

CREATE INDEX ix_staffgroup_scope_code ON staffgroup (scope_code);

CREATE INDEX ix_inboxupdate_handled_at ON inboxupdate (handled_at);

CREATE INDEX ix_inbox_due ON inboxupdate (status, next_attempt_at);

CREATE INDEX ix_petition_community_status ON petition (community_code, status);

CREATE INDEX ix_petition_created_at ON petition (created_at);

CREATE INDEX ix_petition_ladder_resolve_due ON petition (resolve_step, resolve_due) WHERE status IN ('claimed', 'reopened', 'submitted') AND paused_at IS NULL;

CREATE UNIQUE INDEX ix_petition_number ON petition (number);

CREATE INDEX ix_petition_merged_into_id ON petition (merged_into_id);

CREATE INDEX ix_petition_community_code ON petition (community_code);

CREATE INDEX ix_petition_category ON petition (category);

CREATE INDEX ix_petition_overdue ON petition (overdue);

CREATE INDEX ix_petition_status ON petition (status);

CREATE INDEX ix_petition_ladder_respond_due ON petition (respond_step, respond_due) WHERE status IN ('claimed', 'reopened', 'submitted') AND paused_at IS NULL AND first_response_at IS NULL;

CREATE INDEX ix_petition_street_code ON petition (street_code);

CREATE INDEX ix_petition_resolved_at ON petition (resolved_at);

CREATE INDEX ix_petition_grid_code ON petition (grid_code);

CREATE INDEX ix_petition_duplicate_of_id ON petition (duplicate_of_id);

CREATE INDEX ix_petition_ladder_respond_remind ON petition (respond_remind_at) WHERE status IN ('claimed', 'reopened', 'submitted') AND paused_at IS NULL AND first_response_at IS NULL AND respond_step = 0;

CREATE INDEX ix_petition_resident_last ON petition (resident_id, last_message_at);

CREATE INDEX ix_petition_building ON petition (community_code, building, id);

CREATE INDEX ix_petition_resident_id ON petition (resident_id);

CREATE INDEX ix_petition_group_chat_id ON petition (group_chat_id);

CREATE INDEX ix_petition_handler_staff_id ON petition (handler_staff_id);

CREATE INDEX ix_petition_community_created ON petition (community_code, created_at);

CREATE INDEX ix_petition_ladder_resolve_remind ON petition (resolve_remind_at) WHERE status IN ('claimed', 'reopened', 'submitted') AND paused_at IS NULL AND resolve_step = 0;

CREATE INDEX ix_weblogin_staff_id ON weblogin (staff_id);

CREATE INDEX ix_websession_staff_id ON websession (staff_id);

CREATE INDEX ix_petitionmessage_petition_id ON petitionmessage (petition_id);

CREATE INDEX ix_petitionevent_petition_id ON petitionevent (petition_id);

CREATE INDEX ix_petitionevent_at ON petitionevent (at);

CREATE INDEX ix_cardmessage_petition_id ON cardmessage (petition_id);

CREATE INDEX ix_cardmessage_chat_id ON cardmessage (chat_id);

CREATE INDEX ix_outbox_due ON outbox (status, next_attempt_at);

CREATE INDEX ix_correction_petition_id ON correction (petition_id);
