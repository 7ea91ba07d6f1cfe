INSERT INTO accounts (name) VALUES ('cash');
