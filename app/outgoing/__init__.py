"""The secretary's desk: who may receive the signed opinion, the address book, outgoing
packages (SODP file, CD-ready folder, ISO image) with their cover letter, and what was sent."""
